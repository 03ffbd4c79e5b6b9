// Issue 20: settlement report import, buckets, resolution and settle, through the real worker and the
// real ledger. Each test works in a currency of its own so the period's clearing legs are its own.
import { describe, expect, it } from "vitest";
import type { RESOLUTIONS } from "../src/db/schema";
import { adminCall, assertStatus, expectStatus, query, type RouteInput, routes, sql } from "./helpers";
import {
  accountBalance,
  importReport,
  importRows,
  merchantIn,
  payment,
  periodFrom,
  systemBalance,
  trialBalanceOff,
} from "./reconciliation-helpers";

const MM_HEADER = "reference,amount,fee,currency,settled_at";
const recs = routes.reconciliations;

/** A reconciliation's items (by bucket, paged), its settle, and an item's resolution, with the admin token. */
const itemsOf = (id: string, query: RouteInput<typeof recs.listReconciliationItems>["query"] = {}) =>
  adminCall(recs.listReconciliationItems, { params: { id }, query });
const settle = (id: string, query: { partial?: "true" } = {}) =>
  adminCall(recs.settleReconciliation, { params: { id }, query });
const resolveItem = (
  id: string,
  item_id: string,
  json: { action: (typeof RESOLUTIONS)[number]; note: string },
  headers: Record<string, string> = {},
) => adminCall(recs.resolveReconciliationItem, { params: { id, item_id }, json }, headers);
const reconciliation = (id: string) => adminCall(recs.getReconciliation, { params: { id } });

describe("mobile_money report: every bucket, every action, settle", () => {
  it("buckets a generated report, resolves each item and settles to a zero clearing balance", async () => {
    const start = Date.now();
    const m = await merchantIn("KES");
    const a = await payment(m.key, "100.00");
    const b = await payment(m.key, "50.00");
    const c = await payment(m.key, "30.00");
    const d = await payment(m.key, "40.00");
    const e = await payment(m.key, "60.00", { complete: false });
    const f = await payment(m.key, "70.00");
    const period = periodFrom(start);
    expect(await systemBalance("clearing:mobile_money", "KES")).toBe("-290.0000");

    const report = [
      MM_HEADER,
      `${a},100.00,2.00,KES,2026-12-01T10:00:00Z`, // matched, with a fee
      `${b}|${c},80.00,1.00,KES,2026-12-01`, // 1:N
      `${d},45.00,0.50,KES,2026-12-01`, // wrong amount
      `${e},60.00,0,KES,2026-12-01`, // a payment that never completed
      `${a},100.00,2.00,KES,2026-12-01`, // duplicate
    ].join("\n");
    const imported = await importReport({ upstream: "mobile_money", currency: "KES", ...period }, report);
    assertStatus(imported, 201);
    expect(imported.json).toMatchObject({
      status: "open",
      upstream: "mobile_money",
      currency: "KES",
      line_count: 5,
      summary: { matched: 2, amount_mismatch: 1, missing_in_ledger: 1, missing_in_report: 1, duplicate: 1 },
    });
    const { id } = imported.json;

    // The same file again: the first reconciliation.
    const again = await importReport({ upstream: "mobile_money", currency: "KES", ...period }, report);
    expect(expectStatus(again, 200).id).toBe(id);
    expect(await importRows("KES")).toEqual({ reconciliations: 1, lines: 0 });

    const items = expectStatus(await itemsOf(id), 200);
    const byBucket = new Map(items.items.map((i) => [`${i.bucket}:${i.key}`, i.id]));
    expect(items.items.map((i) => [i.bucket, i.key, i.report_amount, i.ledger_amount])).toEqual([
      ["matched", a, "100.00", "100.00"],
      ["matched", `${b}|${c}`, "80.00", "80.00"],
      ["amount_mismatch", d, "45.00", "40.00"],
      ["missing_in_ledger", e, "60.00", null],
      ["duplicate", a, "100.00", null],
      ["missing_in_report", f, null, "70.00"],
    ]);
    expect(items.next_cursor).toBeNull();
    const item = (bucket: string, key: string) => {
      const itemId = byBucket.get(`${bucket}:${key}`);
      if (itemId === undefined) throw new Error(`no ${bucket} item ${key}`);
      return itemId;
    };

    // Items by bucket, cursor-paged.
    const page1 = expectStatus(await itemsOf(id, { bucket: "matched", limit: "1" }), 200);
    expect(page1.items.map((i) => i.key)).toEqual([a]);
    expect(page1.next_cursor).toEqual(expect.any(String));
    const page2 = expectStatus(
      await itemsOf(id, { bucket: "matched", limit: "1", cursor: page1.next_cursor ?? undefined }),
      200,
    );
    expect(page2.items.map((i) => i.key)).toEqual([`${b}|${c}`]);
    expect(page2.next_cursor).toBeNull();

    // Settle is refused while items are unresolved; partial settles the matched lines only.
    expect(expectStatus(await settle(id), 409).error.code).toBe("conflict");
    const partial = expectStatus(await settle(id, { partial: "true" }), 200);
    expect(partial).toMatchObject({ settled_items: 2, gross: "180.0000", net: "177.0000", fees: "3.0000" });
    expect(await systemBalance("clearing:mobile_money", "KES")).toBe("-110.0000");
    expect(await systemBalance("settlement:mobile_money", "KES")).toBe("-177.0000");
    expect(await systemBalance("fees:mobile_money", "KES")).toBe("-3.0000");
    expect(await trialBalanceOff()).toEqual([]);

    // adjust: the wrong amount (+5 to the customer), and the never-completed payment (its account, +60).
    const resolve = (itemId: string, action: (typeof RESOLUTIONS)[number], key?: string) =>
      resolveItem(id, itemId, { action, note: `${action} by test` }, key ? { "idempotency-key": key } : {});
    const adjusted = await resolve(item("amount_mismatch", d), "adjust", "adj-d");
    assertStatus(adjusted, 200);
    expect(adjusted.json.resolution).toMatchObject({ action: "adjust", note: "adjust by test", actor: "bootstrap" });
    expect(typeof adjusted.json.resolution?.transaction_id).toBe("number");
    const replay = await resolve(item("amount_mismatch", d), "adjust", "adj-d");
    assertStatus(replay, 200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toEqual(adjusted.json);
    // Idempotent without a key too: an item already resolved answers as it is.
    expect((await resolve(item("amount_mismatch", d), "write_off")).json).toEqual(adjusted.json);
    expect(await accountBalance(m.account.id)).toBe("295.0000");
    expect(await trialBalanceOff()).toEqual([]);

    expect((await resolve(item("missing_in_ledger", e), "adjust")).status).toBe(200);
    expect(await accountBalance(m.account.id)).toBe("355.0000");
    expect(await trialBalanceOff()).toEqual([]);

    // adjust names no account for a duplicate: 409, nothing posted.
    const dup = expectStatus(await resolve(item("duplicate", a), "adjust"), 409);
    expect(dup.error.message).toBe("adjust needs a customer account, and this item names none");
    expect(expectStatus(await resolve(item("duplicate", a), "timing"), 200).resolution?.action).toBe("timing");

    // write_off the credit the report left out: clearing +70, writeoff −70.
    expect(expectStatus(await resolve(item("missing_in_report", f), "write_off"), 200).resolution?.action).toBe(
      "write_off",
    );
    expect(await systemBalance("writeoff:mobile_money", "KES")).toBe("-70.0000");
    expect(await trialBalanceOff()).toEqual([]);

    const settled = expectStatus(await settle(id), 200);
    expect(settled).toMatchObject({ settled_items: 3, gross: "105.0000", net: "104.5000", fees: "0.5000" });
    expect(await systemBalance("clearing:mobile_money", "KES")).toBe("0.0000");
    expect(await systemBalance("settlement:mobile_money", "KES")).toBe("-281.5000");
    expect(await systemBalance("fees:mobile_money", "KES")).toBe("-3.5000");
    expect(await trialBalanceOff()).toEqual([]);

    // A second settle changes nothing.
    const second = expectStatus(await settle(id), 200);
    expect(second).toMatchObject({ transaction_id: null, settled_items: 0, gross: "0" });
    expect(await systemBalance("settlement:mobile_money", "KES")).toBe("-281.5000");
    expect(expectStatus(await reconciliation(id), 200).status).toBe("settled");

    // Settled credits never match again: the same lines in a new report are missing_in_ledger.
    const later = await importReport(
      { upstream: "mobile_money", currency: "KES", ...period },
      `${MM_HEADER}\r\n${a},100.00,2.00,KES,2026-12-02\r\n`,
    );
    assertStatus(later, 201);
    expect(later.json.summary).toEqual({
      matched: 0,
      amount_mismatch: 0,
      missing_in_ledger: 1,
      missing_in_report: 0,
      duplicate: 0,
    });

    const csv = await adminCall(recs.exportReconciliationItems, {
      params: { id },
      query: { bucket: "amount_mismatch" },
    });
    assertStatus(csv, 200);
    expect(csv.text).toBe(
      "id,bucket,key,line,currency,report_amount,fee,ledger_amount,account_id,resolution,note,resolved_by,settled_transaction_id\r\n" +
        `${item("amount_mismatch", d)},"amount_mismatch","${d}",4,"KES",45.00,0.50,40.00,"${m.account.id}","adjust","adjust by test","bootstrap",${settled.transaction_id}\r\n`,
    );

    const list = expectStatus(
      await adminCall(recs.listReconciliations, { query: { upstream: "mobile_money", limit: "100" } }),
      200,
    );
    const ids = list.reconciliations.map((r) => r.id);
    expect(ids.indexOf(later.json.id)).toBeLessThan(ids.indexOf(id));
  });
});

describe("a credit settles once, whatever the number of reports that match it", () => {
  it("refuses the second reconciliation's settle until its item is resolved as timing; races post once", async () => {
    const start = Date.now();
    const m = await merchantIn("BWP");
    const a = await payment(m.key, "100.00");
    const b = await payment(m.key, "20.00");
    const qs = { upstream: "mobile_money", currency: "BWP", ...periodFrom(start) };
    // Two different files (the upstream re-sent a corrected report) that both name credit a.
    const first = await importReport(qs, `${MM_HEADER}\n${a},100.00,1.00,BWP,2026-12-01\n`);
    const second = await importReport(
      qs,
      `${MM_HEADER}\n${a},100.00,1.00,BWP,2026-12-02\n${b},20.00,0,BWP,2026-12-02\n`,
    );
    expect([first.status, second.status]).toEqual([201, 201]);
    assertStatus(first, 201);
    assertStatus(second, 201);
    expect(first.json.summary.matched).toBe(1);
    expect(second.json.summary.matched).toBe(2);
    // The period's credit b is in the second report only, so the first has it missing_in_report.
    const bItems = expectStatus(await itemsOf(first.json.id, { bucket: "missing_in_report" }), 200).items;
    expect(bItems.map((i) => i.key)).toEqual([b]);
    const bInFirst = bItems[0]?.id ?? "";
    const bTiming = await resolveItem(first.json.id, bInFirst, { action: "timing", note: "in the second report" });
    expect(bTiming.status, bTiming.text).toBe(200);

    // Both settles at once, three times each: credit a settles once, in one of them.
    const settles = await Promise.all([first, second, first, second, first, second].map((r) => settle(r.json.id)));
    const posted = settles.flatMap((r) => (r.status === 200 && r.json.transaction_id !== null ? [r.json] : []));
    expect(posted.length).toBe(1);
    const winner = posted[0]?.reconciliation_id;
    expect([first.json.id, second.json.id]).toContain(winner);
    const loser = winner === first.json.id ? second : first;
    const aInLoser = expectStatus(await itemsOf(loser.json.id, { bucket: "matched" }), 200).items.find(
      (i) => i.key === a,
    )?.id;
    expect(aInLoser).toEqual(expect.any(String));
    // A refused settle has no reconciliation_id: every answer other than 200 is the loser's 409.
    for (const r of settles.filter((x) => x.status !== 200)) {
      assertStatus(r, 409);
      expect(r.json.error).toEqual({
        code: "conflict",
        message:
          "another reconciliation already settled the credits of some items: resolve each as timing, then settle",
        details: { [`item ${aInLoser}`]: [`${a}: settled by reconciliation ${winner}`] },
      });
    }
    // a's gross left clearing once; in the second report b is still waiting if the first won.
    const bLeft = winner === first.json.id ? "-20.0000" : "0.0000";
    expect(await systemBalance("clearing:mobile_money", "BWP")).toBe(bLeft);
    expect(await trialBalanceOff()).toEqual([]);

    // Resolved as timing, the loser's line waits for a later report and the rest of it settles.
    const timing = await resolveItem(loser.json.id, aInLoser ?? "", {
      action: "timing",
      note: "settled by the other report",
    });
    expect(expectStatus(timing, 200).resolution).toMatchObject({ action: "timing" });
    const after = await settle(loser.json.id);
    expect(after.status, after.text).toBe(200);
    expect(await systemBalance("clearing:mobile_money", "BWP")).toBe("0.0000");
    expect(await systemBalance("settlement:mobile_money", "BWP")).toBe("-119.0000");
    expect(await systemBalance("fees:mobile_money", "BWP")).toBe("-1.0000");
    expect(expectStatus(await reconciliation(loser.json.id), 200).status).toBe("settled");
    expect(await trialBalanceOff()).toEqual([]);
  });
});

describe("bad reports: a clear 400/413 and nothing stored or posted", () => {
  const legs = async (currency: string) =>
    (await query<{ n: number }>(sql`SELECT count(*)::int AS n FROM system_legs WHERE currency = ${currency}`))[0]?.n;

  it("refuses each malformed file naming its lines and columns", async () => {
    const start = Date.now();
    const m = await merchantIn("GHS");
    const ref = await payment(m.key, "10.00");
    const qs = { upstream: "mobile_money", currency: "GHS", ...periodFrom(start) };
    const before = await legs("GHS");
    const cases: [string, string, number, unknown][] = [
      ["empty", "", 400, { code: "bad_request", message: "the report is empty: it needs a header row and lines" }],
      ["header only", `${MM_HEADER}\n`, 400, { code: "bad_request", message: "the report has a header and no lines" }],
      [
        "another upstream's format",
        `transaction_id,amount_usd,fee_usd,settled_at\n${ref},10.00,0,2026-12-01\n`,
        400,
        {
          code: "bad_request",
          message: "the report is malformed (1 bad line(s) named)",
          details: {
            "line 1": [
              "reference: the header must be reference,amount,fee,currency,settled_at (found transaction_id,amount_usd,fee_usd,settled_at)",
            ],
          },
        },
      ],
      [
        "malformed lines",
        `${MM_HEADER}\n${ref},10.00,0,GHS,2026-12-01\n${ref}-x,abc,0,GHS,2026-12-01\n${ref}-y,1.234,0,EUR,yesterday\nonly,three,fields\n${ref}-z,5.00,6.00,GHS,2026-12-01\n`,
        400,
        {
          code: "bad_request",
          message: "the report is malformed (4 bad line(s) named)",
          details: {
            "line 3": ["amount: must be a decimal number"],
            "line 4": [
              "amount: has more than 2 decimal places allowed for GHS",
              "currency: must be GHS, the reconciliation's currency",
              "settled_at: must be an RFC 3339 timestamp or a date",
            ],
            "line 5": ["*: expected 5 fields, found 3"],
            "line 6": ["fee: must not exceed amount (5.00)"],
          },
        },
      ],
    ];
    for (const [name, body, status, error] of cases) {
      const res = await importReport(qs, body);
      expect([name, res.status, res.json]).toEqual([name, status, { error }]);
    }
    expect(await importRows("GHS")).toEqual({ reconciliations: 0, lines: 0 });
    expect(await legs("GHS")).toBe(before);
  });

  it("refuses a 50 MB file with 413, an unknown upstream and an unknown currency with 400", async () => {
    const big = new Uint8Array(50 * 1024 * 1024).fill(0x41);
    const tooBig = await importReport(
      { upstream: "mobile_money", currency: "NGN", from: "2026-01-01", to: "2026-02-01" },
      big,
    );
    expect(tooBig.status).toBe(413);
    expect(tooBig.json).toEqual({
      error: { code: "payload_too_large", message: "the report is larger than 33554432 bytes" },
    });

    const upstream = await importReport(
      { upstream: "paypal", currency: "NGN", from: "2026-01-01", to: "2026-02-01" },
      `${MM_HEADER}\n`,
    );
    expect(expectStatus(upstream, 400).error.details).toEqual({
      upstream: ["upstream must be one of sms_gateway, mobile_money, crypto"],
    });

    const currency = await importReport(
      { upstream: "mobile_money", currency: "ZZZ", from: "2026-01-01", to: "2026-02-01" },
      `${MM_HEADER}\nREF-1,1.00,0,ZZZ,2026-01-02\n`,
    );
    expect(expectStatus(currency, 400).error.message).toBe("currency: unknown currency ZZZ");
    expect(await importRows("NGN")).toEqual({ reconciliations: 0, lines: 0 });
    expect(await importRows("ZZZ")).toEqual({ reconciliations: 0, lines: 0 });
  });

  it("reads CRLF, a BOM and quoted commas", async () => {
    const start = Date.now();
    const m = await merchantIn("TZS");
    const ref = await payment(m.key, "12.50");
    const body = `\uFEFF${MM_HEADER}\r\n"${ref}","12.50","0",TZS,2026-12-01T00:00:00+03:00\r\n"ODD,REF",1.00,0,TZS,2026-12-01\r\n`;
    const res = await importReport({ upstream: "mobile_money", currency: "TZS", ...periodFrom(start) }, body);
    assertStatus(res, 201);
    expect(res.json.summary).toEqual({
      matched: 1,
      amount_mismatch: 0,
      missing_in_ledger: 1,
      missing_in_report: 0,
      duplicate: 0,
    });
    const missing = expectStatus(await itemsOf(res.json.id, { bucket: "missing_in_ledger" }), 200);
    expect(missing.items.map((i) => [i.key, i.line])).toEqual([["ODD,REF", 3]]);
    // No account can be named for a key no payment has: adjust is 409, write_off moves it.
    const itemId = missing.items[0]?.id ?? "";
    const adjust = await resolveItem(res.json.id, itemId, { action: "adjust", note: "x" });
    expect(adjust.status).toBe(409);
    const off = await resolveItem(res.json.id, itemId, { action: "write_off", note: "x" });
    expect(off.status).toBe(200);
    expect(await systemBalance("writeoff:mobile_money", "TZS")).toBe("1.0000");
    expect(await trialBalanceOff()).toEqual([]);
    const settled = expectStatus(await settle(res.json.id), 200);
    expect(settled).toMatchObject({ settled_items: 2, gross: "13.5000", net: "13.5000", fees: "0.0000" });
    expect(await systemBalance("clearing:mobile_money", "TZS")).toBe("0.0000");
    expect(await trialBalanceOff()).toEqual([]);
  });
});
