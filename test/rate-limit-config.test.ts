// How a rate-limit var picks its limiter: a named binding, "off" (load tests only), or a config error.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { limiterFor, UNLIMITED } from "../src/http/rate-limit";

describe("limiterFor", () => {
  it("picks the binding the var names", () => {
    const limiter = limiterFor({ ...env, RATE_LIMIT_READS: "1200/60s" }, "read");
    expect(limiter).toMatchObject({ limit: 1200, period: 60 });
  });

  it("counts nothing when the var says off", () => {
    expect(limiterFor({ ...env, RATE_LIMIT_MONEY_WRITES: UNLIMITED }, "money")).toBeNull();
  });

  it("names the problem when the var names no binding or is malformed", () => {
    expect(limiterFor({ ...env, RATE_LIMIT_READS: "7/60s" }, "read")).toMatch(/names no \[\[ratelimits\]\] binding/);
    expect(limiterFor({ ...env, RATE_LIMIT_READS: "unlimited" }, "read")).toMatch(/must be/);
  });
});
