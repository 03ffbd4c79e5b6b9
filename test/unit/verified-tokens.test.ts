// src/auth/verified-tokens.ts: a token's claims are verified once per isolate, never served past the
// token's expiry, never under another secret, and an invalid token is verified again every time.
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifiedOnce } from "../../src/auth/verified-tokens";

afterEach(() => {
  vi.useRealTimers();
});

const counting = (result: { claims: { sub: string }; exp: number } | null) => {
  const verify = vi.fn(async () => result);
  return verify;
};

describe("verifiedOnce", () => {
  it("verifies a token once and answers its claims from the memo after that", async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const verify = counting({ claims: { sub: "a" }, exp });
    expect(await verifiedOnce("member", "s1", "tok-once", verify)).toEqual({ sub: "a" });
    expect(await verifiedOnce("member", "s1", "tok-once", verify)).toEqual({ sub: "a" });
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it("answers null once the token's own expiry has passed, even within the memo's minute", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-12-03T12:00:00Z"));
    const exp = Math.floor(Date.now() / 1000) + 10;
    const verify = counting({ claims: { sub: "b" }, exp });
    expect(await verifiedOnce("oauth", "s1", "tok-expiring", verify)).toEqual({ sub: "b" });
    vi.setSystemTime(new Date("2026-12-03T12:00:10Z"));
    expect(await verifiedOnce("oauth", "s1", "tok-expiring", verify)).toBeNull();
  });

  it("verifies again under another secret", async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const verify = counting({ claims: { sub: "c" }, exp });
    await verifiedOnce("member", "old-secret", "tok-rotated", verify);
    const forged = counting(null);
    expect(await verifiedOnce("member", "new-secret", "tok-rotated", forged)).toBeNull();
    expect(forged).toHaveBeenCalledTimes(1);
  });

  it("does not remember an invalid token", async () => {
    const verify = counting(null);
    expect(await verifiedOnce("oauth", "s1", "tok-forged", verify)).toBeNull();
    expect(await verifiedOnce("oauth", "s1", "tok-forged", verify)).toBeNull();
    expect(verify).toHaveBeenCalledTimes(2);
  });
});
