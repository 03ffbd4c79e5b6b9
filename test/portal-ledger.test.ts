// The back office's ledger pages (issue 19): the trial balance per currency with each system account,
// a system account's legs, a transaction's legs linked from every entry row, money per currency on the
// overview.
import { beforeAll, describe, expect, it } from "vitest";
import { adjust, importEntry, tenant } from "./helpers";
import { portal, signIn } from "./portal-helpers";

let cookie: string;
beforeAll(async () => {
  cookie = await signIn();
});
const page = (path: string) => portal(path, { cookie });

describe("back office: ledger", () => {
  it("shows each currency balanced with its system accounts, and links each to its legs", async () => {
    const t = await tenant(["balance.read"], { currency: "GBP" });
    await adjust(t.account.id, "12.34");
    await importEntry(t.account.id, { type: "deposit", amount: "5", description: "gateway history" });
    const res = await page("/portal/ledger");
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/data-testid="trial-GBP">balanced</);
    expect(res.text).toContain(`href="/portal/ledger/system-accounts/adjustments%3Aportal?currency=GBP"`);
    expect(res.text).toContain(`href="/portal/ledger/system-accounts/clearing%3Asms_gateway?currency=GBP"`);

    const legs = await page("/portal/ledger/system-accounts/adjustments%3Aportal?currency=GBP");
    expect(legs.status).toBe(200);
    expect(legs.text).toContain("-12.34");
    const link = /href="(\/portal\/ledger\/transactions\/\d+)"/.exec(legs.text)?.[1];
    expect(link).toBeDefined();
    const tx = await page(link ?? "");
    expect(tx.status).toBe(200);
    expect(tx.text).toContain(`href="/portal/accounts/${t.account.id}"`);
    expect((tx.text.match(/data-testid="leg"/g) ?? []).length).toBe(2);
  });

  it("links every entry row of an account to its transaction, and shows both clocks", async () => {
    const t = await tenant(["balance.read"]);
    const posted = await adjust(t.account.id, "7.00");
    const res = await page(`/portal/accounts/${t.account.id}`);
    expect(res.text).toContain(`href="/portal/ledger/transactions/${posted.transaction_id}"`);
    expect(res.text).toContain("<th>Posted</th>");
    expect(res.text).toContain("<th>Effective</th>");
  });

  it("answers unknown or malformed transactions and system accounts with a clear page", async () => {
    expect((await page("/portal/ledger/transactions/999999999999")).status).toBe(404);
    expect((await page("/portal/ledger/transactions/abc")).status).toBe(400);
    expect((await page("/portal/ledger/system-accounts/nope?currency=EUR")).status).toBe(400);
    expect((await page("/portal/ledger/system-accounts/revenue%3Ausage")).status).toBe(400);
  });

  it("shows the money per currency on the overview", async () => {
    const t = await tenant(["balance.read"], { currency: "NOK" });
    await adjust(t.account.id, "3.00");
    const res = await page("/portal");
    expect(res.text).toMatch(/data-testid="money-NOK">\s*[\d.]+/);
    expect(res.text).toContain(`href="/portal/ledger#tb-NOK"`);
  });
});
