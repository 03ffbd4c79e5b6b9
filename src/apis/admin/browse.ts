// Portal admin API, read side (issue 12): list and search workspaces, a workspace's accounts, one
// account with its reconciliation, its entries (keyset pages, filters, CSV), its daily balance, the
// overview, and "retry now" for a merchant webhook. The back office's pages render from these routes.
// Its own sub-router with the admin error envelope, mounted under /admin/v1, guarded by requireAdmin.
import { createRoute, z } from "@hono/zod-openapi";
import { database } from "../../db/request-db";
import type { EntryFilter } from "../../ledger/queries";
import { entryToJson } from "../../ledger/serialize";
import { AppError } from "../../lib/errors";
import { toJsonNumber } from "../../lib/money";
import type { DeliveryMessage } from "../../outbound/deliveries";
import { jsonContent } from "../shared/openapi";
import { idParam, uuidParam } from "../shared/params";
import { createSurface } from "../shared/surface";
import {
  AccountDetail,
  AccountList,
  AccountListQuery,
  BalanceHistory,
  BalanceHistoryQuery,
  DeliveryRetried,
  dayMillis,
  dayOf,
  decodeKeyset,
  EntryExportQuery,
  EntryList,
  EntryListQuery,
  encodeKeyset,
  MAX_PERIOD_DAYS,
  Overview,
  startOfDay,
  WorkspaceDetail,
  WorkspaceList,
  WorkspaceListQuery,
} from "./browse-schemas";
import { entriesCsv } from "./entries-csv";
import { adminErrorRenderer } from "./index";
import {
  type AccountListRow,
  accountDetail,
  balanceHistory,
  listAccounts,
  listEntries,
  listWorkspaces,
  overview,
  reopenDelivery,
  workspaceDetail,
} from "./queries";
import { adminErrors, adminRouteBase } from "./route-base";
import { AdminError } from "./schemas";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const badCursor = () => new AppError("bad_request", "cursor: not a cursor of this list", { cursor: ["invalid"] });

export const listWorkspacesRoute = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/workspaces",
  description:
    "Workspaces in name order (byte order of the lower-cased name), keyset-paged. `q` is a workspace id, or " +
    "the start of a name (case-insensitive).",
  request: { query: WorkspaceListQuery },
  responses: { 200: jsonContent(WorkspaceList, "A page of workspaces"), ...adminErrors },
});

export const getWorkspaceRoute = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/workspaces/{workspace_id}",
  description:
    "One workspace with its API keys and OAuth clients (newest 100 of each) and its members (first 100 by email).",
  request: { params: uuidParam("workspace_id") },
  responses: { 200: jsonContent(WorkspaceDetail, "The workspace"), ...adminErrors },
});

export const listAccountsRoute = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/workspaces/{workspace_id}/accounts",
  description: "The workspace's accounts, oldest first, keyset-paged.",
  request: { params: uuidParam("workspace_id"), query: AccountListQuery },
  responses: { 200: jsonContent(AccountList, "A page of accounts"), ...adminErrors },
});

export const getAccountRoute = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/accounts/{account_id}",
  description: "One account, with the sum and count of its ledger rows against its balance.",
  request: { params: uuidParam("account_id") },
  responses: { 200: jsonContent(AccountDetail, "The account"), ...adminErrors },
});

export const listEntriesRoute = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/accounts/{account_id}/entries",
  description:
    "The account's ledger rows in posting order, newest first (each row's balance_after minus its amount is the " +
    "next row's balance_after), keyset-paged; filters by source, type and UTC days `from`..`to` (both " +
    "inclusive) of the effective date (effective_at).",
  request: { params: uuidParam("account_id"), query: EntryListQuery },
  responses: { 200: jsonContent(EntryList, "A page of entries"), ...adminErrors },
});

export const exportEntriesRoute = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/accounts/{account_id}/entries.csv",
  description:
    "The period's entries as CSV (RFC 4180, header row, newest first as the list), streamed. Amounts are exact " +
    `decimal text. Default period: the last 30 days up to today (UTC); at most ${MAX_PERIOD_DAYS} days. A ` +
    "description starting with = + - @ is prefixed with ' so spreadsheets do not run it as a formula.",
  request: { params: uuidParam("account_id"), query: EntryExportQuery },
  responses: {
    200: { content: { "text/csv": { schema: z.string() } }, description: "The CSV" },
    ...adminErrors,
  },
});

export const balanceHistoryRoute = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/accounts/{account_id}/balance-history",
  description:
    "The closing balance of each UTC day from `from` to `to` (inclusive; default the last 30 days), one point " +
    `per day, at most ${MAX_PERIOD_DAYS}: the balance as it really was at the end of that day, by posting time ` +
    "(posted_at): the balance_after of the day's last posting in posting order.",
  request: { params: uuidParam("account_id"), query: BalanceHistoryQuery },
  responses: { 200: jsonContent(BalanceHistory, "One point per day"), ...adminErrors },
});

export const overviewRoute = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/overview",
  description: "Counts of workspaces, accounts and today's ledger rows, and the newest failing merchant webhooks.",
  responses: { 200: jsonContent(Overview, "The overview"), ...adminErrors },
});

export const retryDeliveryRoute = createRoute({
  ...adminRouteBase,
  method: "post",
  path: "/workspaces/{workspace_id}/webhook-deliveries/{delivery_id}/retry",
  description:
    "Sends an undelivered merchant webhook again now. A `failed` one goes back to `pending` with a new round " +
    "of retries; receivers deduplicate on its unchanged webhook-id.",
  request: {
    params: uuidParam("workspace_id").extend({
      delivery_id: idParam("delivery_id", { maxLength: 100 }),
    }),
  },
  responses: {
    202: jsonContent(DeliveryRetried, "Queued"),
    ...adminErrors,
    409: jsonContent(AdminError, "Already delivered"),
  },
});

export const browseAdmin = createSurface(adminErrorRenderer);

const accountSummary = (a: AccountListRow) => ({
  id: a.id,
  workspace_id: a.workspace_id,
  currency: a.currency,
  status: a.status,
  balance: toJsonNumber(a.balance),
  overdraft_limit: toJsonNumber(a.overdraft_limit),
  entry_count: a.entry_count,
  created_at: a.created_at,
});

/** A period of UTC days: the given bounds, else up to today and 30 days long; at most MAX_PERIOD_DAYS. */
function period(q: { from?: string; to?: string }) {
  const to =
    q.to ??
    (q.from ? dayOf(Math.min(Date.now(), startOfDay(q.from) + (MAX_PERIOD_DAYS - 1) * dayMillis)) : dayOf(Date.now()));
  const from = q.from ?? dayOf(startOfDay(to) - 29 * dayMillis);
  if (from > to) throw new AppError("bad_request", "to: to is before from", { to: ["to is before from"] });
  return { from, to };
}

/** The list filters of an account as the ledger query takes them (`to` is a whole day, so exclusive +1). */
const entryFilter = (accountId: string, q: z.infer<typeof EntryExportQuery>): EntryFilter => ({
  accountId,
  sources: q.source ? [q.source] : undefined,
  types: q.type ? [q.type] : undefined,
  from: q.from ? new Date(startOfDay(q.from)) : undefined,
  to: q.to ? new Date(startOfDay(q.to) + dayMillis) : undefined,
});

browseAdmin.openapi(listWorkspacesRoute, async (c) => {
  const { q, limit, cursor } = c.req.valid("query");
  const after = cursor ? decodeKeyset(cursor, z.tuple([z.string(), z.uuid()])) : undefined;
  if (cursor && !after) throw badCursor();
  const rows = await listWorkspaces(database(c), {
    ...(q && UUID.test(q) ? { id: q } : { q: q || undefined }),
    after: after && { sortKey: after[0], id: after[1] },
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return c.json(
    {
      workspaces: page.map(({ sort_key: _, ...w }) => w),
      next_cursor: rows.length > limit && last ? encodeKeyset([last.sort_key, last.id]) : null,
    },
    200,
  );
});

browseAdmin.openapi(getWorkspaceRoute, async (c) => {
  const row = await workspaceDetail(database(c), c.req.valid("param").workspace_id);
  if (!row) throw new AppError("not_found", "Workspace not found");
  return c.json(row, 200);
});

browseAdmin.openapi(listAccountsRoute, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const { limit, cursor } = c.req.valid("query");
  const after = cursor ? decodeKeyset(cursor, z.tuple([z.string().max(40), z.uuid()])) : undefined;
  if (cursor && !after) throw badCursor();
  const result = await listAccounts(database(c), workspace_id, {
    after: after && { position: after[0], id: after[1] },
    limit: limit + 1,
  });
  if (!result.found) throw new AppError("not_found", "Workspace not found");
  const page = result.accounts.slice(0, limit);
  const last = page.at(-1);
  return c.json(
    {
      accounts: page.map(accountSummary),
      next_cursor: result.accounts.length > limit && last ? encodeKeyset([last.position, last.id]) : null,
    },
    200,
  );
});

browseAdmin.openapi(getAccountRoute, async (c) => {
  const row = await accountDetail(database(c), c.req.valid("param").account_id);
  if (!row) throw new AppError("not_found", "Account not found");
  return c.json(
    {
      ...accountSummary(row),
      workspace_name: row.workspace_name,
      updated_at: row.updated_at,
      overdrawn_at: row.overdrawn_at,
      reconciliation: {
        entries_sum: toJsonNumber(row.entries_sum),
        entries_count: row.entries_counted,
        difference: toJsonNumber(row.difference),
        balanced: row.balanced,
      },
    },
    200,
  );
});

browseAdmin.openapi(listEntriesRoute, async (c) => {
  const { account_id } = c.req.valid("param");
  const { limit, cursor, ...filters } = c.req.valid("query");
  const before = cursor ? decodeKeyset(cursor, z.tuple([z.number().int().positive()])) : undefined;
  if (cursor && !before) throw badCursor();
  const result = await listEntries(
    database(c),
    { ...entryFilter(account_id, filters), beforeSeq: before?.[0] },
    limit + 1,
  );
  if (!result.found) throw new AppError("not_found", "Account not found");
  const page = result.rows.slice(0, limit);
  const last = page.at(-1);
  return c.json(
    {
      entries: page.map((e) => entryToJson(account_id, e)),
      next_cursor: result.rows.length > limit && last ? encodeKeyset([last.seq]) : null,
    },
    200,
  );
});

browseAdmin.openapi(exportEntriesRoute, async (c) => {
  const { account_id } = c.req.valid("param");
  const query = c.req.valid("query");
  const { from, to } = period(query);
  // The rows are read in keyset chunks while the body streams (one statement per chunk).
  const body = await entriesCsv(database(c), entryFilter(account_id, { ...query, from, to }));
  if (!body) throw new AppError("not_found", "Account not found");
  return c.body(body, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="entries-${account_id}-${from}-${to}.csv"`,
    "cache-control": "no-store",
  });
});

browseAdmin.openapi(balanceHistoryRoute, async (c) => {
  const { account_id } = c.req.valid("param");
  const { from, to } = period(c.req.valid("query"));
  const row = await balanceHistory(database(c), account_id, from, to);
  if (!row) throw new AppError("not_found", "Account not found");
  return c.json(
    {
      account_id,
      currency: row.currency,
      from,
      to,
      points: (row.points ?? []).map((p) => ({ date: p.date, balance: toJsonNumber(p.balance) })),
    },
    200,
  );
});

browseAdmin.openapi(overviewRoute, async (c) => c.json(await overview(database(c)), 200));

browseAdmin.openapi(retryDeliveryRoute, async (c) => {
  const { workspace_id, delivery_id } = c.req.valid("param");
  const before = await reopenDelivery(database(c), workspace_id, delivery_id);
  if (!before) throw new AppError("not_found", "Webhook delivery not found");
  if (before === "delivered") throw new AppError("conflict", "This webhook was delivered already");
  await c.env.WEBHOOK_QUEUE.send({ deliveryId: delivery_id } satisfies DeliveryMessage);
  return c.json({ id: delivery_id, status: "pending" as const }, 202);
});
