// Issue 20: GET /admin/v1/payments?q=… finds a payment by its exact key, with its history, events,
// ledger transaction and legs.
import { describe, expect, it } from "vitest";
import { ADMIN, adminCall, assertStatus, callRouteUnchecked, expectStatus, routes } from "./helpers";
import { merchantIn, payment } from "./reconciliation-helpers";

describe("GET /admin/v1/payments?q=", () => {
  it("finds a mobile-money payment by its reference with history, events and both legs", async () => {
    const m = await merchantIn("RWF");
    const ref = await payment(m.key, "1500");
    const res = expectStatus(await adminCall(routes.adminPayments.searchPayments, { query: { q: ref } }), 200);
    expect(res.results).toHaveLength(1);
    const found = res.results[0]!;
    expect(found).toMatchObject({
      kind: "mobile_money_payment",
      id: ref,
      status: "COMPLETE",
      amount: "1500.0000",
      currency: "RWF",
      account_id: m.account.id,
      deliveries: [],
    });
    expect(found.status_history.map((h) => h.status)).toEqual(["PENDING", "COMPLETE"]);
    expect(found.events.map((e) => e.event_type)).toHaveLength(2);
    expect(found.ledger).toHaveLength(1);
    expect(found.ledger[0]!.legs.map((l) => [l.account, l.amount])).toEqual([
      [m.account.id, "1500.0000"],
      ["clearing:mobile_money", "-1500.0000"],
    ]);
  });

  it("answers an empty list for no match, and 400 without q", async () => {
    expect((await adminCall(routes.adminPayments.searchPayments, { query: { q: "NO-SUCH-REF-0" } })).json).toEqual({
      results: [],
    });
    const bad = await callRouteUnchecked(routes.adminPayments.searchPayments, {}, ADMIN);
    assertStatus(bad, 400);
    expect(bad.json.error.details).toEqual({ q: ["q is required"] });
  });
});
