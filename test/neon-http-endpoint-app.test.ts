// Issue 22: the app under Neon's real failures, injected through the local endpoint's test switch
// (POST /faults, bound only in the test stack) on the database request of one API request (the endpoint
// counts under the request's X-Request-Id). A lost connection or an unreachable compute is each
// surface's 503 with Retry-After; a response over Neon's limit is a logged 500, never a 503; and a
// write whose answer was lost posts once across a retry with its Idempotency-Key.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DATABASE_RETRY_AFTER_SECONDS } from "../src/http/surface";
import { ALL, addFunds } from "./fixtures/account-transactions";
import { createAccount, createWorkspace, ledgerInvariant, rawAdmin, rawCall, tenant } from "./helpers";

const faultsUrl = env.LOCAL_NEON_HTTP_ENDPOINT!.replace(/\/sql$/, "/faults");
const statsUrl = env.LOCAL_NEON_HTTP_ENDPOINT!.replace(/\/sql$/, "/stats");

type Fault = "lost-connection" | "unreachable" | "response-too-large";

/** A request id whose next database request meets `fault`. */
async function faulty(fault: Fault) {
  const tag = `fault-${crypto.randomUUID()}`;
  const res = await fetch(faultsUrl, { method: "POST", body: JSON.stringify({ tag, fault }) });
  expect(res.status).toBe(200);
  await res.text();
  return { "x-request-id": tag };
}

const statsOf = async (headers: { "x-request-id": string }) =>
  (await fetch(`${statsUrl}?tag=${headers["x-request-id"]}`)).json();

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a lost connection or an unreachable compute: each surface's 503 with Retry-After", () => {
  for (const fault of ["lost-connection", "unreachable"] as const) {
    it(`${fault}: spec 000 balance (a read)`, async () => {
      const t = await tenant(["balance.read"]);
      // Warm the key's edge cache, so that the faulty request's one database request is the balance.
      expect((await rawCall("GET", "/api/v1/user/balance", { headers: { "x-api-key": t.key } })).status).toBe(200);
      const headers = await faulty(fault);
      const res = await rawCall("GET", "/api/v1/user/balance", { headers: { "x-api-key": t.key, ...headers } });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe(DATABASE_RETRY_AFTER_SECONDS);
      expect(res.json).toEqual({
        error_code: "SERVICE_UNAVAILABLE",
        description: "Service temporarily unavailable, retry later",
        request_id: headers["x-request-id"],
      });
      expect(await statsOf(headers)).toMatchObject({ requests: 1, statements: 1, batches: 0, errors: 1 });
    });

    it(`${fault}: spec 002 add-funds (a write)`, async () => {
      const t = await tenant(ALL);
      const headers = await faulty(fault);
      const res = await addFunds(t.account.id, t.key, { amount: 10 }, headers);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe(DATABASE_RETRY_AFTER_SECONDS);
      expect(res.json).toEqual({
        error: {
          code: "unavailable",
          message: "Service temporarily unavailable, retry later",
          request_id: headers["x-request-id"],
        },
      });
    });
  }

  it("spec 001 and the admin API answer theirs too", async () => {
    const t = await tenant(["payments.read"]);
    const paiements = await rawCall("GET", "/api/paiements/api-key", {
      headers: { "x-api-key": t.key, ...(await faulty("lost-connection")) },
    });
    expect(paiements.status).toBe(503);
    expect(paiements.headers.get("retry-after")).toBe(DATABASE_RETRY_AFTER_SECONDS);
    expect(paiements.json).toEqual({
      statusCode: 503,
      message: "Service temporarily unavailable, retry later",
      error: "Service Unavailable",
    });
    const headers = await faulty("unreachable");
    const overview = await rawAdmin("GET", "/overview", undefined, headers);
    expect(overview.status).toBe(503);
    expect(overview.headers.get("retry-after")).toBe(DATABASE_RETRY_AFTER_SECONDS);
    expect(overview.json).toEqual({
      error: {
        code: "unavailable",
        message: "Service temporarily unavailable, retry later",
        request_id: headers["x-request-id"],
      },
    });
  });
});

describe("a response over Neon's 10 MiB: a logged 500, never retryable", () => {
  it("answers the surface's 500 without Retry-After and logs it as internal", async () => {
    const t = await tenant(["balance.read"]);
    expect((await rawCall("GET", "/api/v1/user/balance", { headers: { "x-api-key": t.key } })).status).toBe(200);
    const logged = vi.spyOn(console, "error");
    const headers = await faulty("response-too-large");
    const res = await rawCall("GET", "/api/v1/user/balance", { headers: { "x-api-key": t.key, ...headers } });
    expect(res.status).toBe(500);
    expect(res.headers.get("retry-after")).toBeNull();
    expect(res.json).toEqual({
      error_code: "INTERNAL_ERROR",
      description: "Internal server error",
      request_id: headers["x-request-id"],
    });
    const lines = logged.mock.calls.map((args) => String(args[0])).filter((l) => l.includes(headers["x-request-id"]));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      requestId: headers["x-request-id"],
      kind: "internal",
      cause: expect.stringContaining("Server error (HTTP status 507)"),
    });
  });
});

describe("nothing posted twice across a retry with an Idempotency-Key", () => {
  it("an adjustment whose answer was lost with the connection is replayed, not posted again", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id);
    const body = { amount: "7.25", description: "answer lost" };
    const key = { "idempotency-key": `lost-${crypto.randomUUID()}` };
    const lost = await rawAdmin("POST", `/accounts/${acct.id}/adjustments`, body, {
      ...key,
      ...(await faulty("lost-connection")),
    });
    expect(lost.status).toBe(503);
    expect(lost.headers.get("retry-after")).toBe(DATABASE_RETRY_AFTER_SECONDS);
    // PostgreSQL committed it before the connection went: the retry finds the stored answer.
    const retried = await rawAdmin("POST", `/accounts/${acct.id}/adjustments`, body, key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    expect(retried.json).toMatchObject({ account_id: acct.id, amount: 7.25 });
    expect(await ledgerInvariant(acct.id)).toMatchObject({ count: 1, balance: "7.2500", sum: "7.2500" });
  });

  it("a spec 002 add-funds whose compute was unreachable posts once when retried", async () => {
    const t = await tenant(ALL);
    const key = { "idempotency-key": `unreachable-${crypto.randomUUID()}` };
    const first = await addFunds(t.account.id, t.key, { amount: 3 }, { ...key, ...(await faulty("unreachable")) });
    expect(first.status).toBe(503);
    const second = await addFunds(t.account.id, t.key, { amount: 3 }, key);
    expect(second.status).toBe(200);
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    const third = await addFunds(t.account.id, t.key, { amount: 3 }, key);
    expect(third.status).toBe(200);
    expect(third.headers.get("idempotent-replayed")).toBe("true");
    expect(third.json).toEqual(second.json);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ count: 1, balance: "3.0000" });
  });
});
