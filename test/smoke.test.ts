import { describe, expect, it } from "vitest";
import { admin, call, tenant } from "./helpers";

describe("worker", () => {
  it("answers /health", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok" });
  });
  it("creates a tenant through the admin API", async () => {
    const t = await tenant(["payments.read"]);
    expect(t.key).toMatch(/^sk_test_/);
    const res = await admin("GET", "/gateway-status");
    expect(res.status).toBe(200);
  });
});
