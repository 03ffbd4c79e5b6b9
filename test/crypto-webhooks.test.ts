// Crypto processor events (POST /webhooks/crypto), signed with the reference `standardwebhooks` library:
// the status machine, duplicates, and refused events that store nothing.
import { describe, expect, it } from "vitest";
import { createPaymentOk, merchant, moveTo, newEventId, processorEvent, signed, statusEvent } from "./crypto-helpers";
import { creditsOf, eventStored, historyOf, statusOf } from "./fixtures/crypto-webhooks";
import { callRouteUnchecked, expectStatus, ledgerInvariant, routes } from "./helpers";

/** POSTs `body` to the crypto receiver with the headers given (a redelivery, or none at all). */
const post = (headers: Record<string, string>, body: string) =>
  callRouteUnchecked(routes.webhooks.receiveCryptoEvent, { body }, headers);

describe("POST /webhooks/crypto: the status machine", () => {
  it("moves forward step by step and credits the merchant once on completed", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { amount_usd: "100.00" });
    const first = await moveTo(p.transaction_id, "confirming", { confirmations: 1, transaction_hash: "0xfeed" });
    expect(first.json).toEqual({ status: "processed", transaction_id: p.transaction_id, payment_status: "confirming" });
    for (const s of ["confirmed", "sending", "completed"]) await moveTo(p.transaction_id, s);
    expect(await historyOf(m.token, p.transaction_id)).toEqual([
      "waiting",
      "confirming",
      "confirmed",
      "sending",
      "completed",
    ]);
    expect(await creditsOf(p.transaction_id)).toEqual([
      { amount: "100.0000", source: "crypto", type: "deposit", account_id: m.account.id },
    ]);
    expect(await ledgerInvariant(m.account.id)).toEqual({
      balance: "100.0000",
      sum: "100.0000",
      count: 1,
      lastBalanceAfter: "100.0000",
    });
  });

  it("allows skipping forward (waiting → completed)", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { amount_usd: "42.50" });
    await moveTo(p.transaction_id, "completed");
    expect(await historyOf(m.token, p.transaction_id)).toEqual(["waiting", "completed"]);
    expect((await creditsOf(p.transaction_id)).map((c) => c.amount)).toEqual(["42.5000"]);
  });

  it("refuses backward moves with 409, changing nothing and storing nothing", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token);
    await moveTo(p.transaction_id, "confirmed");
    const id = newEventId();
    const res = await processorEvent(statusEvent(p.transaction_id, "confirming"), { id });
    expect(expectStatus(res, 409)).toEqual({
      error: { code: "conflict", message: "Illegal status transition confirmed -> confirming" },
    });
    expect(await historyOf(m.token, p.transaction_id)).toEqual(["waiting", "confirmed"]);
    expect(await eventStored(id)).toBe(false);
    // The same refused event again is refused again (it was not recorded as seen).
    expect((await processorEvent(statusEvent(p.transaction_id, "confirming"), { id })).status).toBe(409);
  });

  it("never leaves a terminal state and never credits a payment that did not complete", async () => {
    const m = await merchant();
    const completed = await createPaymentOk(m.token);
    await moveTo(completed.transaction_id, "completed");
    const expired = await createPaymentOk(m.token);
    await moveTo(expired.transaction_id, "expired");
    const failed = await createPaymentOk(m.token);
    await moveTo(failed.transaction_id, "confirming");
    await moveTo(failed.transaction_id, "failed");
    for (const [p, to] of [
      [completed, "failed"],
      [completed, "waiting"],
      [expired, "confirming"],
      [expired, "completed"],
      [failed, "completed"],
      [failed, "expired"],
    ] as const) {
      const res = await processorEvent(statusEvent(p.transaction_id, to));
      expect(res.status, `${p.transaction_id} -> ${to}`).toBe(409);
    }
    expect((await statusOf(m.token, completed.transaction_id)).status).toBe("completed");
    expect((await statusOf(m.token, expired.transaction_id)).status).toBe("expired");
    expect((await statusOf(m.token, failed.transaction_id)).status).toBe("failed");
    expect(await creditsOf(expired.transaction_id)).toEqual([]);
    expect(await creditsOf(failed.transaction_id)).toEqual([]);
    expect((await creditsOf(completed.transaction_id)).length).toBe(1);
  });

  it("expires only from waiting or confirming; fails from any non-terminal state", async () => {
    const m = await merchant();
    const a = await createPaymentOk(m.token);
    await moveTo(a.transaction_id, "confirming");
    await moveTo(a.transaction_id, "expired");
    const b = await createPaymentOk(m.token);
    await moveTo(b.transaction_id, "confirmed");
    expect((await processorEvent(statusEvent(b.transaction_id, "expired"))).status).toBe(409);
    await moveTo(b.transaction_id, "sending");
    await moveTo(b.transaction_id, "failed");
    expect(await historyOf(m.token, b.transaction_id)).toEqual(["waiting", "confirmed", "sending", "failed"]);
  });

  it("records more confirmations for the same status without a new history entry", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token);
    await moveTo(p.transaction_id, "confirming", { confirmations: 1 });
    const again = await processorEvent(statusEvent(p.transaction_id, "confirming", { confirmations: 6 }));
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ status: "unchanged", transaction_id: p.transaction_id, payment_status: "confirming" });
    const now = await statusOf(m.token, p.transaction_id);
    expect(now.confirmations).toBe(6);
    expect(now.status_history.map((h) => h.status)).toEqual(["waiting", "confirming"]);
  });
});

describe("POST /webhooks/crypto: duplicates", () => {
  it("answers a redelivered event 200 duplicate and changes nothing", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { amount_usd: "10.00" });
    const body = statusEvent(p.transaction_id, "completed");
    const headers = signed(body);
    const first = await post(headers, body);
    const second = await post(headers, body);
    expect(expectStatus(first, 200).status).toBe("processed");
    expect(expectStatus(second, 200)).toEqual({ status: "duplicate" });
    expect((await creditsOf(p.transaction_id)).length).toBe(1);
    expect(await ledgerInvariant(m.account.id)).toMatchObject({ balance: "10.0000", sum: "10.0000", count: 1 });
  });

  it("credits once when the same event arrives many times at once", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { amount_usd: "25.00" });
    const body = statusEvent(p.transaction_id, "completed");
    const headers = signed(body);
    const results = await Promise.all(Array.from({ length: 8 }, () => post(headers, body)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const outcomes = results.map((r) => expectStatus(r, 200).status).sort();
    expect(outcomes).toEqual([
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
      "processed",
    ]);
    expect((await creditsOf(p.transaction_id)).length).toBe(1);
    expect(await ledgerInvariant(m.account.id)).toMatchObject({ balance: "25.0000", sum: "25.0000", count: 1 });
  });

  it("credits once when different events all report completed at once", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { amount_usd: "7.77" });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => processorEvent(statusEvent(p.transaction_id, "completed"))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    const outcomes = results.map((r) => expectStatus(r, 200).status);
    expect(outcomes.filter((s) => s === "processed").length).toBe(1);
    expect(outcomes.filter((s) => s === "unchanged").length).toBe(5);
    expect((await creditsOf(p.transaction_id)).length).toBe(1);
    expect(await ledgerInvariant(m.account.id)).toMatchObject({ balance: "7.7700", sum: "7.7700", count: 1 });
  });
});

describe("POST /webhooks/crypto: refused events store nothing", () => {
  it("refuses a wrong signature, a stale timestamp and missing headers", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token);
    const body = statusEvent(p.transaction_id, "completed");
    const cases = [
      { opts: { secret: "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==" }, status: 401 },
      { opts: { timestamp: new Date(Date.now() - 10 * 60_000) }, status: 401 },
      { opts: { timestamp: new Date(Date.now() + 10 * 60_000) }, status: 401 },
    ];
    for (const { opts, status } of cases) {
      const id = newEventId();
      const res = await processorEvent(body, { ...opts, id });
      expect(res.status, JSON.stringify(opts)).toBe(status);
      expect(expectStatus(res, 401).error.code).toBe("not_authenticated");
      expect(await eventStored(id)).toBe(false);
    }
    const unsigned = await post({}, body);
    expect(unsigned.status).toBe(400);
    const tampered = signed(body);
    const res = await post(tampered, body.replace("completed", "confirmed"));
    expect(res.status).toBe(401);
    expect((await statusOf(m.token, p.transaction_id)).status).toBe("waiting");
    expect(await creditsOf(p.transaction_id)).toEqual([]);
  });

  it("refuses validly signed events that are malformed or about an unknown payment", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token);
    const bodies: [string, number][] = [
      ["{not json", 400],
      [
        JSON.stringify({ type: "payment.refunded", data: { transaction_id: p.transaction_id, status: "completed" } }),
        400,
      ],
      [statusEvent(p.transaction_id, "done"), 400],
      [statusEvent("not-a-uuid", "completed"), 400],
      [statusEvent(p.transaction_id, "confirming", { confirmations: -1 }), 400],
      [statusEvent(crypto.randomUUID(), "completed"), 404],
    ];
    for (const [body, status] of bodies) {
      const id = newEventId();
      const res = await processorEvent(body, { id });
      expect(res.status, body).toBe(status);
      expect(await eventStored(id)).toBe(false);
    }
    expect((await statusOf(m.token, p.transaction_id)).status).toBe("waiting");
  });
});
