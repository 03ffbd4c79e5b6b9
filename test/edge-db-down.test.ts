// The edge path: setup and "gateway unavailable" answers come from KV alone. Proven by running the
// real worker with a database address where nothing listens.
import { afterEach, describe, expect, it } from "vitest";
import { fetchWithDatabaseDown } from "./fixtures/database-down";
import { setGateway, tenant } from "./helpers";

async function withDatabaseDown(path: string, key: string) {
  const res = await fetchWithDatabaseDown(new Request(`https://api.test${path}`, { headers: { "x-api-key": key } }));
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

afterEach(async () => {
  await setGateway("ok");
});

describe("answers decided at the edge while the database is unreachable", () => {
  it("still answers the setup process answer on both endpoints", async () => {
    const t = await tenant(["payments.read", "balance.read"], { currency: "EUR", status: "setup" });
    for (const path of ["/api/v1/user/payments", "/api/v1/user/balance"]) {
      const res = await withDatabaseDown(path, t.key);
      expect(res.status, path).toBe(200);
      expect(res.json).toMatchObject({ status: false, error: "Account is in setup process" });
    }
  });

  it("still answers [] and the null balance while the gateway is unavailable", async () => {
    const t = await tenant(["payments.read", "balance.read"]);
    await setGateway("unavailable");
    const payments = await withDatabaseDown("/api/v1/user/payments", t.key);
    expect(payments.status).toBe(200);
    expect(payments.json).toEqual([]);
    expect(payments.headers.get("x-sms-gateway-status")).toBe("unavailable");
    const balance = await withDatabaseDown("/api/v1/user/balance", t.key);
    expect(balance.status).toBe(200);
    expect(balance.json.balance).toBeNull();
  });

  it("answers 503 in the surface's error shape when the answer needs the database", async () => {
    const t = await tenant(["payments.read", "balance.read"]);
    for (const path of ["/api/v1/user/payments", "/api/v1/user/balance"]) {
      const res = await withDatabaseDown(path, t.key);
      expect(res.status, path).toBe(503);
      expect(res.json).toEqual({
        error_code: "SERVICE_UNAVAILABLE",
        description: expect.any(String),
        request_id: expect.any(String),
      });
      expect(res.headers.get("x-sms-gateway-status")).toBe("ok");
    }
  });
});
