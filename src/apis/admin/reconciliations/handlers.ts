// Handlers of the reconciliations resource. The import is the one route with several statements
// (import.ts); resolve and settle are one statement each, idempotent with an Idempotency-Key.
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AdminEnv } from "../../../auth/admin";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { type Effect, requestFingerprint, runWrite, validateIdempotencyKey } from "../../../ledger/idempotency";
import { type Refusal, refusalError } from "../../../ledger/posting";
import { AppError } from "../../../lib/errors";
import { decimalForCurrency } from "../../../lib/money";
import { auditMeta } from "../audit/record";
import { badCursor, decodeKeyset, encodeKeyset, keysetAfter, keysetPage } from "../common";
import { adminErrorRenderer } from "../errors";
import { itemsCsv } from "./csv";
import { importReport, MAX_REPORT_BYTES } from "./import";
import {
  getReconciliation,
  type ItemRow,
  listItems,
  listReconciliations,
  type ReconciliationRow,
  resolveEffect,
  settleEffect,
} from "./queries";
import * as routes from "./routes";

export const reconciliationsAdmin = createSurface<AdminEnv>(adminErrorRenderer);

const notFound = () => new AppError("not_found", "Reconciliation not found");
const LIST_CURSOR = z.tuple([z.string(), z.uuid()]);
const ITEM_CURSOR = z.tuple([z.string().regex(/^\d{1,18}$/)]);

/** Who acted, as money-moving actions record it. */
const actorOf = (c: Context<AdminEnv>) => c.get("actor").email;

const money = (amount: string | null, currency: string) =>
  amount === null ? null : decimalForCurrency(amount, currency);

/** An item with its amounts in the currency's minor units. */
export const renderItem = (i: ItemRow) => ({
  ...i,
  report_amount: money(i.report_amount, i.currency),
  fee: money(i.fee, i.currency),
  ledger_amount: money(i.ledger_amount, i.currency),
});

const renderReconciliation = (r: ReconciliationRow) => r;

reconciliationsAdmin.openapi(routes.importReconciliation, async (c) => {
  const query = c.req.valid("query");
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_REPORT_BYTES) {
    throw new AppError("payload_too_large", `the report is larger than ${MAX_REPORT_BYTES} bytes`);
  }
  const db = database(c);
  const outcome = await importReport(db, { ...query, actor: actorOf(c) }, auditMeta(c), c.req.raw.body);
  return c.json(renderReconciliation(outcome.reconciliation), outcome.existing ? 200 : 201);
});

reconciliationsAdmin.openapi(routes.listReconciliations, async (c) => {
  const { upstream, limit, cursor } = c.req.valid("query");
  const after = keysetAfter(cursor, LIST_CURSOR);
  const rows = await listReconciliations(database(c), { upstream, after, limit: limit + 1 });
  const { page, next_cursor } = keysetPage(rows, limit, (last) => encodeKeyset([last.cursor_at, last.id]));
  return c.json({ reconciliations: page.map(({ cursor_at, ...r }) => renderReconciliation(r)), next_cursor }, 200);
});

reconciliationsAdmin.openapi(routes.getReconciliation, async (c) => {
  const row = await getReconciliation(database(c), c.req.valid("param").id);
  if (!row) throw notFound();
  return c.json(renderReconciliation(row), 200);
});

reconciliationsAdmin.openapi(routes.listReconciliationItems, async (c) => {
  const { id } = c.req.valid("param");
  const { bucket, limit, cursor } = c.req.valid("query");
  const after = cursor ? decodeKeyset(cursor, ITEM_CURSOR) : undefined;
  if (cursor && !after) throw badCursor();
  const result = await listItems(database(c), { reconciliationId: id, bucket, afterId: after?.[0], limit: limit + 1 });
  if (!result.found) throw notFound();
  const { page, next_cursor } = keysetPage(result.items, limit, (last) => encodeKeyset([last.id]));
  return c.json({ items: page.map(renderItem), next_cursor }, 200);
});

reconciliationsAdmin.openapi(routes.exportReconciliationItems, async (c) => {
  const { id } = c.req.valid("param");
  const { bucket } = c.req.valid("query");
  const body = await itemsCsv(database(c), { reconciliationId: id, bucket }, renderItem);
  if (!body) throw notFound();
  return c.body(body, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="reconciliation-${id}${bucket ? `-${bucket}` : ""}.csv"`,
    "cache-control": "no-store",
  });
});

/** The refusals of resolve and settle, in the admin shape. */
function refused(refusal: Refusal): AppError {
  switch (refusal.failure) {
    case "not_found":
      return new AppError("not_found", "Reconciliation or item not found");
    case "no_account":
      return new AppError("conflict", "adjust needs a customer account, and this item names none");
    case "nothing_to_adjust":
      return new AppError("conflict", "the report and the ledger agree: nothing to adjust");
    case "already_settled":
      return new AppError("conflict", "the item is already settled");
    case "unresolved":
      return new AppError(
        "conflict",
        `${refusal.count} unresolved item(s) remain: resolve them, or settle the matched lines with ?partial=true`,
      );
    case "settled_elsewhere":
      return new AppError(
        "conflict",
        "another reconciliation already settled the credits of some items: resolve each as timing, then settle",
        Object.fromEntries(
          refusal.items.map((i) => [`item ${i.id}`, [`${i.key}: settled by reconciliation ${i.reconciliation_id}`]]),
        ),
      );
    default:
      return refusalError(refusal);
  }
}

/** Runs a money-moving action once per Idempotency-Key (one statement either way). */
async function idempotent<R extends object, B>(
  c: Context<AdminEnv>,
  scope: string,
  fingerprintOf: unknown,
  effect: Effect,
  render: (r: R) => B,
) {
  const outcome = await runWrite<R, B>(
    database(c),
    {
      scope,
      key: validateIdempotencyKey(c.req.header("idempotency-key")),
      fingerprint: await requestFingerprint(fingerprintOf),
    },
    effect,
    { status: 200, render, refused },
  );
  if (outcome.replayed) c.header("Idempotent-Replayed", "true");
  return outcome.body;
}

reconciliationsAdmin.openapi(routes.resolveReconciliationItem, async (c) => {
  const { id, item_id } = c.req.valid("param");
  const { action, note } = c.req.valid("json");
  const body = await idempotent<ItemRow, ReturnType<typeof renderItem>>(
    c,
    `admin:reconciliation:${id}`,
    { route: "resolve", id, item_id, action, note },
    resolveEffect(auditMeta(c), { reconciliationId: id, itemId: item_id, action, note, actor: actorOf(c) }),
    renderItem,
  );
  return c.json(body, 200);
});

type SettlementRow = {
  reconciliation_id: string;
  transaction_id: number | null;
  settled_items: number;
  gross: string;
  net: string;
  fees: string;
};

reconciliationsAdmin.openapi(routes.settleReconciliation, async (c) => {
  const { id } = c.req.valid("param");
  const { partial } = c.req.valid("query");
  const body = await idempotent<SettlementRow, SettlementRow>(
    c,
    `admin:reconciliation:${id}`,
    { route: "settle", id, partial },
    settleEffect(auditMeta(c), { reconciliationId: id, partial, actor: actorOf(c) }),
    (s) => s,
  );
  return c.json(body, 200);
});
