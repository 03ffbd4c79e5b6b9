// The payment lifecycles (src/payments/), no database: which moves each status machine allows, and the
// statuses an event may move a payment from (what the webhooks' single statements check).
import { describe, expect, it } from "vitest";
import { CRYPTO_STATUSES, MOBILE_MONEY_STATUSES } from "../../src/db/schema";
import {
  type CryptoStatus,
  legalSourcesOf as cryptoSourcesOf,
  TERMINAL_STATUSES,
  transition,
} from "../../src/payments/crypto";
import { legalSourcesOf as mobileMoneySourcesOf, NEXT } from "../../src/payments/mobile-money";

describe("crypto payments (spec 004)", () => {
  it("moves forward along waiting → confirming → confirmed → sending → completed, skipping steps", () => {
    expect(transition("waiting", "confirming")).toBe("apply");
    expect(transition("waiting", "completed")).toBe("apply");
    expect(transition("confirmed", "sending")).toBe("apply");
    expect(transition("sending", "confirming")).toBe("illegal");
    expect(transition("confirmed", "waiting")).toBe("illegal");
  });

  it("expires only from waiting or confirming, fails from any non-terminal status", () => {
    expect(
      ["waiting", "confirming", "confirmed", "sending"].map((s) => transition(s as CryptoStatus, "expired")),
    ).toEqual(["apply", "apply", "illegal", "illegal"]);
    expect(
      ["waiting", "confirming", "confirmed", "sending"].map((s) => transition(s as CryptoStatus, "failed")),
    ).toEqual(["apply", "apply", "apply", "apply"]);
  });

  it("leaves a terminal status for nothing, and calls the same status again `same`", () => {
    for (const from of TERMINAL_STATUSES) {
      for (const to of CRYPTO_STATUSES)
        expect(transition(from, to), `${from} → ${to}`).toBe(to === from ? "same" : "illegal");
    }
    for (const s of CRYPTO_STATUSES) expect(transition(s, s)).toBe("same");
  });

  it("lists exactly the statuses a move into each status is legal from", () => {
    for (const to of CRYPTO_STATUSES) {
      expect(cryptoSourcesOf(to)).toEqual(CRYPTO_STATUSES.filter((from) => transition(from, to) === "apply"));
    }
    expect(cryptoSourcesOf("completed")).toEqual(["waiting", "confirming", "confirmed", "sending"]);
    expect(cryptoSourcesOf("waiting")).toEqual([]);
  });
});

describe("mobile-money payments (spec 001)", () => {
  it("moves INIT → PENDING → COMPLETE, FAILED or TIMEOUT from either, and no further", () => {
    expect(NEXT.INIT).toEqual(["PENDING", "FAILED", "TIMEOUT"]);
    expect(NEXT.PENDING).toEqual(["COMPLETE", "FAILED", "TIMEOUT"]);
    for (const terminal of ["COMPLETE", "FAILED", "TIMEOUT"] as const) expect(NEXT[terminal]).toEqual([]);
  });

  it("lists the statuses an event may move a payment from", () => {
    expect(mobileMoneySourcesOf("PENDING")).toEqual(["INIT"]);
    expect(mobileMoneySourcesOf("COMPLETE")).toEqual(["PENDING"]);
    expect(mobileMoneySourcesOf("FAILED")).toEqual(["INIT", "PENDING"]);
    expect(mobileMoneySourcesOf("INIT")).toEqual([]);
    for (const to of MOBILE_MONEY_STATUSES) {
      for (const from of mobileMoneySourcesOf(to)) expect(NEXT[from]).toContain(to);
    }
  });
});
