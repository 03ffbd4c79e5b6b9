// Issue 21 x issue 20: each reconciliation action (import, resolve, settle) leaves exactly one audit row,
// written with its effect, naming the operator, the target and the amounts; a replay (the same file, the
// same Idempotency-Key, an item already resolved, a second settle) leaves none.
import { beforeAll, describe, expect, it } from "vitest";
import { callAs, createOperator, type TestOperator } from "./fixtures/operators";
import { assertStatus, expectStatus, query, routes, sql } from "./helpers";
import { importReport, merchantIn, payment, periodFrom } from "./reconciliation-helpers";

const MM_HEADER = "reference,amount,fee,currency,settled_at";

let maker: TestOperator;
let checker: TestOperator;

beforeAll(async () => {
  maker = await createOperator("operator");
  checker = await createOperator("approver");
});

type Row = {
  actor_id: string | null;
  actor_email: string;
  action: string;
  target_type: string;
  target_id: string;
  account_id: string | null;
  workspace_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  amount: string | null;
  currency: string | null;
  request_id: string;
};

/** The audit rows of the reconciliation actions on one target, oldest first, straight from the table. */
const rowsOf = (target: string) =>
  query<Row>(sql`
    SELECT actor_id::text, actor_email, action, target_type, target_id, account_id::text, workspace_id::text,
      before, after, amount::text, currency, request_id
    FROM audit_events WHERE target_id = ${target} AND action LIKE 'reconciliation.%' ORDER BY id`);

/** Every reconciliation audit row of one currency (replays must add none anywhere). */
const countIn = async (currency: string) => {
  const [row] = await query<{ n: number }>(sql`
    SELECT count(*)::int AS n FROM audit_events WHERE action LIKE 'reconciliation.%' AND currency = ${currency}`);
  return row?.n;
};

describe("reconciliation audit rows", () => {
  it("records import, resolve and settle once each, with actor, target and amounts; replays record nothing", async () => {
    const start = Date.now();
    const m = await merchantIn("ZMW");
    const a = await payment(m.key, "100.00");
    const d = await payment(m.key, "40.00");
    const f = await payment(m.key, "70.00");
    const period = periodFrom(start);
    const report = [
      MM_HEADER,
      `${a},100.00,2.00,ZMW,2026-12-01`, // matched
      `${d},45.00,0.50,ZMW,2026-12-01`, // amount_mismatch
      `${a},100.00,2.00,ZMW,2026-12-01`, // duplicate
    ].join("\n");
    const qs = { upstream: "mobile_money", currency: "ZMW", ...period };
    const auth = (op: TestOperator) => ({ authorization: `Bearer ${op.token}` });

    // Import: one row on the reconciliation, by the maker, with the period and the bucket counts.
    const imported = await importReport(qs, report, auth(maker));
    assertStatus(imported, 201);
    const { id } = imported.json;
    const summary = { matched: 1, amount_mismatch: 1, missing_in_ledger: 0, missing_in_report: 1, duplicate: 1 };
    const importRows = await rowsOf(id);
    expect(importRows).toEqual([
      {
        actor_id: maker.id,
        actor_email: maker.email,
        action: "reconciliation.import",
        target_type: "reconciliation",
        target_id: id,
        account_id: null,
        workspace_id: null,
        before: null,
        after: {
          upstream: "mobile_money",
          currency: "ZMW",
          from: imported.json.from,
          to: imported.json.to,
          line_count: 3,
          summary,
        },
        amount: null,
        currency: "ZMW",
        request_id: expect.stringMatching(/.+/),
      },
    ]);
    expect(imported.json.from).toBe(new Date(period.from).toISOString());

    // The same file again answers the first reconciliation and records nothing.
    const again = await importReport(qs, report, auth(maker));
    expect(expectStatus(again, 200).id).toBe(id);
    expect(await countIn("ZMW")).toBe(1);

    // Partial settle by the checker: one row, the matched line's gross; its replay records nothing.
    const settle = (op: TestOperator, query: { partial?: "true" }, headers: Record<string, string> = {}) =>
      callAs(op, routes.reconciliations.settleReconciliation, { params: { id }, query }, headers);
    const partial = await settle(checker, { partial: "true" }, { "idempotency-key": "recaudit-partial" });
    assertStatus(partial, 200);
    expect(partial.json).toMatchObject({ settled_items: 1, gross: "100.0000", net: "98.0000", fees: "2.0000" });
    const partialReplay = await settle(checker, { partial: "true" }, { "idempotency-key": "recaudit-partial" });
    expect(partialReplay.headers.get("idempotent-replayed")).toBe("true");
    const afterPartial = await rowsOf(id);
    expect(afterPartial.map((r) => r.action)).toEqual(["reconciliation.import", "reconciliation.settle"]);
    expect(afterPartial[1]).toEqual({
      actor_id: checker.id,
      actor_email: checker.email,
      action: "reconciliation.settle",
      target_type: "reconciliation",
      target_id: id,
      account_id: null,
      workspace_id: null,
      before: { status: "open" },
      after: {
        gross: "100.0000",
        net: "98.0000",
        fees: "2.0000",
        partial: true,
        settled_items: 1,
        transaction_id: partial.json.transaction_id,
      },
      amount: "100.0000",
      currency: "ZMW",
      request_id: expect.stringMatching(/.+/),
    });
    // A partial settle with nothing left to settle changes nothing and records nothing.
    const nothing = expectStatus(await settle(checker, { partial: "true" }), 200);
    expect(nothing).toMatchObject({ settled_items: 0, gross: "0" });
    expect(await countIn("ZMW")).toBe(2);

    const items = expectStatus(
      await callAs(maker, routes.reconciliations.listReconciliationItems, { params: { id } }),
      200,
    );
    const itemOf = (bucket: string) => {
      const item = items.items.find((i) => i.bucket === bucket);
      if (!item) throw new Error(`no ${bucket} item`);
      return item.id;
    };
    const resolve = (bucket: string, action: "adjust" | "write_off" | "timing", key?: string) =>
      callAs(
        maker,
        routes.reconciliations.resolveReconciliationItem,
        { params: { id, item_id: itemOf(bucket) }, json: { action, note: `${action} by maker` } },
        key ? { "idempotency-key": key } : {},
      );

    // adjust: the customer account's correction, report − ledger = +5.
    const adjusted = await resolve("amount_mismatch", "adjust", "recaudit-adjust");
    assertStatus(adjusted, 200);
    // Its replay, and a second resolve without a key, answer the item as it is and record nothing.
    expect((await resolve("amount_mismatch", "adjust", "recaudit-adjust")).headers.get("idempotent-replayed")).toBe(
      "true",
    );
    expect((await resolve("amount_mismatch", "write_off")).json).toEqual(adjusted.json);
    expect(await rowsOf(itemOf("amount_mismatch"))).toEqual([
      {
        actor_id: maker.id,
        actor_email: maker.email,
        action: "reconciliation.resolve",
        target_type: "reconciliation_item",
        target_id: itemOf("amount_mismatch"),
        account_id: m.account.id,
        workspace_id: m.workspace.id,
        before: { resolution: null },
        after: {
          reconciliation_id: id,
          bucket: "amount_mismatch",
          key: d,
          resolution: "adjust",
          note: "adjust by maker",
          transaction_id: adjusted.json.resolution?.transaction_id,
        },
        amount: "5.0000",
        currency: "ZMW",
        request_id: expect.stringMatching(/.+/),
      },
    ]);

    // write_off: ledger − report = 70 moves to writeoff:mobile_money.
    const writtenOff = await resolve("missing_in_report", "write_off");
    expect(writtenOff.status).toBe(200);
    const [writeOffRow] = await rowsOf(itemOf("missing_in_report"));
    expect(writeOffRow).toMatchObject({
      action: "reconciliation.resolve",
      actor_id: maker.id,
      after: { bucket: "missing_in_report", key: f, resolution: "write_off", note: "write_off by maker" },
      amount: "70.0000",
      currency: "ZMW",
    });
    // timing moves no money: no amount.
    expect((await resolve("duplicate", "timing")).status).toBe(200);
    const [timingRow] = await rowsOf(itemOf("duplicate"));
    expect(timingRow).toMatchObject({
      action: "reconciliation.resolve",
      after: { resolution: "timing", transaction_id: null },
      amount: null,
    });
    // A refused resolve (no such item: 404) records nothing.
    expect(
      (
        await callAs(maker, routes.reconciliations.resolveReconciliationItem, {
          params: { id, item_id: "999999999" },
          json: { action: "timing", note: "nothing" },
        })
      ).status,
    ).toBe(404);
    expect(await countIn("ZMW")).toBe(5);

    // The full settle: the adjusted line's gross (45, fee 0.50) and the write-off (no gross).
    const settled = expectStatus(await settle(checker, {}), 200);
    expect(settled).toMatchObject({ settled_items: 2, gross: "45.0000", net: "44.5000", fees: "0.5000" });
    const settleRows = (await rowsOf(id)).filter((r) => r.action === "reconciliation.settle");
    expect(settleRows.map((r) => [r.actor_email, r.before, r.after, r.amount])).toEqual([
      [checker.email, { status: "open" }, afterPartial[1]?.after, "100.0000"],
      [
        checker.email,
        { status: "open" },
        {
          gross: "45.0000",
          net: "44.5000",
          fees: "0.5000",
          partial: false,
          settled_items: 2,
          transaction_id: settled.transaction_id,
        },
        "45.0000",
      ],
    ]);
    // A second settle changes nothing and records nothing.
    const second = expectStatus(await settle(checker, {}), 200);
    expect(second).toMatchObject({ transaction_id: null, settled_items: 0, gross: "0" });
    expect(await countIn("ZMW")).toBe(6);
  });

  it("records the import of the bootstrap token as bootstrap, and a refused settle records nothing", async () => {
    const start = Date.now();
    const m = await merchantIn("MWK");
    const a = await payment(m.key, "10.00");
    const imported = await importReport(
      { upstream: "mobile_money", currency: "MWK", ...periodFrom(start) },
      [MM_HEADER, `${a},11.00,0,MWK,2026-12-01`].join("\n"),
    );
    const { id } = expectStatus(imported, 201);
    const [row] = await rowsOf(id);
    expect(row).toMatchObject({
      actor_id: null,
      actor_email: "bootstrap",
      action: "reconciliation.import",
      after: { line_count: 1, summary: { matched: 0, amount_mismatch: 1, missing_in_ledger: 0 } },
    });
    const refused = await callAs(checker, routes.reconciliations.settleReconciliation, { params: { id } });
    expect(refused.status).toBe(409);
    expect(await countIn("MWK")).toBe(1);
  });
});
