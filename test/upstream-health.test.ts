// Issue 20: an upstream's health: clearing balance, money past its settlement window, events refused
// with no posting, credits with no received event.
import { describe, expect, it } from "vitest";
import {
  ADMIN,
  adminCall,
  assertStatus,
  callRouteUnchecked,
  createAccount,
  createWorkspace,
  importEntry,
  routes,
} from "./helpers";
import { merchantIn, payment } from "./reconciliation-helpers";
import { postSigned, statusEvent } from "./webhook-signing";

describe("GET /admin/v1/upstreams/{upstream}/health", () => {
  it("mobile_money: clearing balance, nothing past the 3-day window, a refused event recorded", async () => {
    const m = await merchantIn("EGP");
    await payment(m.key, "25.00");
    await payment(m.key, "5.50");
    const unknown = `API_PAY_REF_NOPE_${Date.now()}`;
    const refused = await postSigned(statusEvent(unknown, "COMPLETE"));
    expect(refused.status).toBe(404);

    const res = await adminCall(routes.upstreams.getUpstreamHealth, {
      params: { upstream: "mobile_money" },
      query: { currency: "EGP" },
    });
    assertStatus(res, 200);
    expect(res.json).toMatchObject({
      upstream: "mobile_money",
      currency: "EGP",
      window_days: 3,
      clearing_balance: "-30.5000",
      opening_balance: "0",
      past_window: { amount: "0", count: 0, oldest: [] },
      credits_without_event: { count: 0, newest: [] },
    });
    const mine = res.json.refused_events.newest.filter((e) => e.reason.includes(unknown));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: 404, attempts: 1 });
  });

  it("sms_gateway (window 0 in tests): every credit is past its window; an imported credit has no event", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id, { currency: "MAD" });
    await importEntry(acct.id, { type: "deposit", amount: "12.00", description: "imported" });
    await importEntry(acct.id, { type: "deposit", amount: "3.00", description: "imported" });
    const res = await adminCall(routes.upstreams.getUpstreamHealth, {
      params: { upstream: "sms_gateway" },
      query: { currency: "MAD" },
    });
    assertStatus(res, 200);
    expect(res.json).toMatchObject({
      window_days: 0,
      clearing_balance: "-15.0000",
      past_window: { amount: "15.0000", count: 2 },
      credits_without_event: { count: 2 },
    });
    expect(res.json.past_window.oldest.map((c) => c.amount)).toEqual(["12.0000", "3.0000"]);
    expect(res.json.credits_without_event.newest.map((c) => c.amount)).toEqual(["3.0000", "12.0000"]);
  });

  it("lists every upstream's clearing balance and money past its window, per currency", async () => {
    const ws = await createWorkspace();
    const acct = await createAccount(ws.id, { currency: "SCR" });
    await importEntry(acct.id, { type: "deposit", amount: "9.00", description: "imported" });
    const res = await adminCall(routes.upstreams.listUpstreamClearing, {});
    assertStatus(res, 200);
    const scr = res.json.upstreams.filter((u) => u.currency === "SCR");
    expect(scr).toEqual([
      {
        upstream: "sms_gateway",
        currency: "SCR",
        clearing_balance: "-9.0000",
        past_window_amount: "9.0000",
        past_window_count: 1,
        window_days: 0,
      },
    ]);
  });

  it("refuses an unknown upstream and a missing currency in the admin shape", async () => {
    const bad = await callRouteUnchecked(
      routes.upstreams.getUpstreamHealth,
      { params: { upstream: "paypal" }, query: "?currency=EUR" },
      ADMIN,
    );
    assertStatus(bad, 400);
    expect(bad.json.error.details).toEqual({ upstream: ["upstream must be one of sms_gateway, mobile_money, crypto"] });
    const noCurrency = await adminCall(routes.upstreams.getUpstreamHealth, { params: { upstream: "crypto" } });
    assertStatus(noCurrency, 400);
    expect(noCurrency.json.error.details).toEqual({ currency: ["currency is required"] });
  });
});
