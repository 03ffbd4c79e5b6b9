// Issue 20's back office pages, without JavaScript: upload a report (multipart form), read the summary,
// resolve an item, settle, export the items, read an upstream's health, find a payment from the search box.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ORIGIN, portal, signIn } from "./portal-helpers";
import { merchantIn, payment, systemBalance, trialBalanceOff } from "./reconciliation-helpers";

describe("back office: reconciliation pages", () => {
  it("uploads, resolves, settles, exports and finds a payment", async () => {
    const cookie = await signIn();
    const m = await merchantIn("ZAR");
    const paid = await payment(m.key, "20.00");
    const leftOut = await payment(m.key, "7.00");

    const form = new FormData();
    form.set("upstream", "mobile_money");
    form.set("currency", "ZAR");
    form.set("from", new Date(Date.now() - 86_400_000).toISOString().slice(0, 10));
    form.set("to", new Date(Date.now() + 86_400_000).toISOString().slice(0, 10));
    form.set(
      "report",
      new File([`reference,amount,fee,currency,settled_at\n${paid},20.00,0.40,ZAR,2026-12-01\n`], "report.csv", {
        type: "text/csv",
      }),
    );
    const upload = await SELF.fetch(`${ORIGIN}/portal/reconciliations`, {
      method: "POST",
      headers: { cookie, origin: ORIGIN },
      body: form,
      redirect: "manual",
    });
    expect(upload.status).toBe(303);
    const location = upload.headers.get("location") ?? "";
    expect(location).toMatch(/^\/portal\/reconciliations\/[0-9a-f-]{36}\?done=imported$/);
    const path = location.split("?")[0]!;

    const summary = await portal(location, { cookie });
    expect(summary.status).toBe(200);
    expect(summary.text).toContain("Report imported.");
    expect(summary.text).toContain(leftOut);
    expect(summary.text).toContain('action="/portal/payments"');

    const itemId = /items\/(\d+)\/resolve/.exec(summary.text)?.[1];
    expect(itemId).toBeDefined();
    const resolved = await portal(`${path}/items/${itemId}/resolve`, {
      cookie,
      form: { action: "write_off", note: "never paid by the operator", idempotency_key: "portal-resolve-1" },
    });
    expect(resolved.status).toBe(303);
    const settled = await portal(`${path}/settle`, { cookie, form: { idempotency_key: "portal-settle-1" } });
    expect(settled.status).toBe(303);
    expect(settled.headers.get("location")).toBe(`${path}?done=settled`);
    expect(await systemBalance("clearing:mobile_money", "ZAR")).toBe("0.0000");
    expect(await systemBalance("settlement:mobile_money", "ZAR")).toBe("-19.6000");
    expect(await trialBalanceOff()).toEqual([]);

    const csv = await portal(`${path}/items.csv?bucket=missing_in_report`, { cookie });
    expect(csv.status).toBe(200);
    expect(csv.text.split("\r\n")[1]).toContain(`,"missing_in_report","${leftOut}",,"ZAR",,,7.00,`);

    const health = await portal("/portal/upstreams/mobile_money/health?currency=ZAR", { cookie });
    expect(health.status).toBe(200);
    expect(health.text).toContain("Clearing balance");

    const overview = await portal("/portal", { cookie });
    expect(overview.status).toBe(200);
    expect(overview.text).toContain('data-testid="upstream-clearing"');
    expect(overview.text).toMatch(/health\?currency=ZAR">mobile_money<\/a><\/td><td>ZAR<\/td><td>0\.0000<\/td>/);

    const found = await portal(`/portal/payments?lookup=${paid}`, { cookie });
    expect(found.status).toBe(200);
    expect(found.text).toContain(`mobile_money_payment ${paid}`);
    expect(found.text).toContain("clearing:mobile_money");
  });
});
