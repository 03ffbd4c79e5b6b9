// Routes of the reconciliations resource (issue 20): import a settlement report, list, one, items by
// bucket (JSON and CSV), resolve an item, settle.
import { z } from "@hono/zod-openapi";
import { IdempotencyHeader, jsonBody, jsonContent } from "../../../http/openapi";
import { uuidParam } from "../../../http/params";
import { AdminError } from "../errors";
import { adminErrors, adminRoute } from "../route-base";
import { MAX_REPORT_BYTES, MAX_REPORT_LINES } from "./import";
import {
  ImportQuery,
  Item,
  ItemList,
  ItemParams,
  ItemsQuery,
  ListQuery,
  Reconciliation,
  ReconciliationList,
  ResolveBody,
  Settlement,
  SettleQuery,
} from "./schemas";

/** The report import's requests (the API route and the portal's upload form): app.ts skips its JSON body limit. */
export const isReportImport = (method: string, path: string) =>
  method === "POST" && (path === "/admin/v1/reconciliations" || path === "/portal/reconciliations");

const conflict = (description: string) => ({ 409: jsonContent(AdminError, description) });

export const importReconciliation = adminRoute({
  operationId: "importReconciliation",
  summary: "Import an upstream's settlement report",
  method: "post",
  path: "/reconciliations",
  description:
    "The report as CSV with a header row, one format per upstream:\n\n" +
    "- `mobile_money`: `reference,amount,fee,currency,settled_at` (spec 001's payment reference)\n" +
    "- `crypto`: `transaction_id,amount_usd,fee_usd,settled_at` (spec 004's transaction_id; currency=USD)\n" +
    "- `sms_gateway`: `event_id,amount,fee,currency,settled_at` (the webhook id of a deposit.received)\n\n" +
    "A line settling several payments joins their keys with `|`, its amount their sum. `amount` is the gross, " +
    "`fee` what the upstream kept. RFC 4180 quoting, CRLF or LF, an optional BOM. At most " +
    `${MAX_REPORT_BYTES} bytes and ${MAX_REPORT_LINES} lines, streamed in bounded batches (a large report needs ` +
    "the CPU limit of the Workers Paid plan). Every line and every credit to `clearing:<upstream>` posted in " +
    "[from, to) lands in one bucket. A malformed file answers 400 naming each bad line (at most 100) and " +
    "stores nothing. The same file again answers 200 with the first reconciliation.",
  request: {
    query: ImportQuery,
    body: { content: { "text/csv": { schema: z.string() } }, required: true },
  },
  responses: {
    201: jsonContent(Reconciliation, "Imported and bucketed: status open"),
    200: jsonContent(Reconciliation, "The same file was imported before: that reconciliation"),
    413: jsonContent(AdminError, "Larger than the import accepts"),
    ...adminErrors,
  },
});

export const listReconciliations = adminRoute({
  operationId: "listReconciliations",
  summary: "List reconciliations, newest first",
  method: "get",
  path: "/reconciliations",
  request: { query: ListQuery },
  responses: { 200: jsonContent(ReconciliationList, "A page of reconciliations"), ...adminErrors },
});

export const getReconciliation = adminRoute({
  operationId: "getReconciliation",
  summary: "Get a reconciliation and its summary",
  method: "get",
  path: "/reconciliations/{id}",
  request: { params: uuidParam("id") },
  responses: { 200: jsonContent(Reconciliation, "The reconciliation"), ...adminErrors },
});

export const listReconciliationItems = adminRoute({
  operationId: "listReconciliationItems",
  summary: "List a reconciliation's items, by bucket",
  method: "get",
  path: "/reconciliations/{id}/items",
  request: { params: uuidParam("id"), query: ItemsQuery },
  responses: { 200: jsonContent(ItemList, "A page of items, in report order then ledger order"), ...adminErrors },
});

export const exportReconciliationItems = adminRoute({
  operationId: "exportReconciliationItems",
  summary: "Export a reconciliation's items as CSV",
  method: "get",
  path: "/reconciliations/{id}/items.csv",
  request: { params: uuidParam("id"), query: ItemsQuery.pick({ bucket: true }) },
  responses: {
    200: { content: { "text/csv": { schema: z.string() } }, description: "The items as CSV (RFC 4180), streamed" },
    ...adminErrors,
  },
});

export const resolveReconciliationItem = adminRoute({
  operationId: "resolveReconciliationItem",
  summary: "Resolve a reconciliation item (adjust, write_off, timing)",
  method: "post",
  path: "/reconciliations/{id}/items/{item_id}/resolve",
  description:
    "`adjust` posts ledger − report as a balanced correction between the customer account and " +
    "`clearing:<upstream>`; `write_off` moves ledger − report from `clearing:<upstream>` to " +
    "`writeoff:<upstream>`; `timing` marks it as expected in a later report. An item already resolved " +
    "answers as it is. 409: adjust with no customer account to name, or nothing to adjust.",
  request: { params: ItemParams, headers: IdempotencyHeader, ...jsonBody(ResolveBody) },
  responses: {
    200: jsonContent(Item, "The item with its resolution"),
    ...conflict("adjust has no customer account, or nothing to adjust; or the item is settled"),
    ...adminErrors,
  },
});

export const settleReconciliation = adminRoute({
  operationId: "settleReconciliation",
  summary: "Settle a reconciliation",
  method: "post",
  path: "/reconciliations/{id}/settle",
  description:
    "One balanced transaction: the reported gross of every matched line and of every item resolved by adjust " +
    "or write_off leaves `clearing:<upstream>` (+gross) into `settlement:<upstream>` (−net) and " +
    "`fees:<upstream>` (−fee). 409 while unresolved items remain, unless `partial=true` (matched lines only). " +
    "A matched line resolved as `timing` waits for a later report. What is settled is never settled again: a " +
    "second settle changes nothing, and a credit another reconciliation settled first answers 409 naming its " +
    "items (resolve them as `timing`).",
  request: { params: uuidParam("id"), query: SettleQuery, headers: IdempotencyHeader },
  responses: {
    200: jsonContent(Settlement, "What this settle moved"),
    ...conflict("Unresolved items remain, or another reconciliation settled an item's credit first"),
    ...adminErrors,
  },
});
