// Handlers of the accounts resource.
import { z } from "@hono/zod-openapi";
import type { AdminEnv } from "../../../auth/admin";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { AppError } from "../../../lib/errors";
import { checkCurrencyPrecision, isNegative, toJsonNumber } from "../../../lib/money";
import { auditMeta } from "../audit/record";
import { encodeKeyset, keysetAfter, keysetPage, period } from "../common";
import { adminErrorRenderer } from "../errors";
import { type AccountListRow, accountDetail, balanceHistory, listAccounts } from "./queries";
import { accountToJson } from "./render";
import * as routes from "./routes";
import { changeAccountStatus, createAccount } from "./service";

export const accountsAdmin = createSurface<AdminEnv>(adminErrorRenderer);

export const accountSummary = (a: AccountListRow) => ({
  id: a.id,
  workspace_id: a.workspace_id,
  currency: a.currency,
  status: a.status,
  balance: toJsonNumber(a.balance),
  overdraft_limit: toJsonNumber(a.overdraft_limit),
  entry_count: a.entry_count,
  created_at: a.created_at,
});

accountsAdmin.openapi(routes.listAccounts, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const { limit, cursor } = c.req.valid("query");
  const after = keysetAfter(cursor, z.tuple([z.string().max(40), z.uuid()]));
  const result = await listAccounts(database(c), workspace_id, {
    after: after && { position: after[0], id: after[1] },
    limit: limit + 1,
  });
  if (!result.found) throw new AppError("not_found", "Workspace not found");
  const { page, next_cursor } = keysetPage(result.accounts, limit, (last) => encodeKeyset([last.position, last.id]));
  return c.json({ accounts: page.map(accountSummary), next_cursor }, 200);
});

accountsAdmin.openapi(routes.getAccount, async (c) => {
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

accountsAdmin.openapi(routes.getBalanceHistory, async (c) => {
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

accountsAdmin.openapi(routes.createAccount, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const input = c.req.valid("json");
  if (input.overdraft_limit) {
    const problem = isNegative(input.overdraft_limit.value)
      ? "overdraft_limit must not be negative"
      : checkCurrencyPrecision(input.overdraft_limit, input.currency)?.replace(/^amount/, "overdraft_limit");
    if (problem) throw new AppError("bad_request", problem, { overdraft_limit: [problem] });
  }
  const row = await createAccount(database(c), c.env.EDGE_KV, auditMeta(c), {
    workspaceId: workspace_id,
    currency: input.currency,
    status: input.status,
    overdraftLimit: input.overdraft_limit?.value ?? "0",
  });
  if (!row) throw new AppError("not_found", "Workspace not found");
  return c.json(accountToJson(row), 201);
});

accountsAdmin.openapi(routes.updateAccountStatus, async (c) => {
  const { account_id } = c.req.valid("param");
  const { status } = c.req.valid("json");
  const row = await changeAccountStatus(database(c), c.env.EDGE_KV, auditMeta(c), account_id, status);
  if (!row) throw new AppError("not_found", "Account not found");
  return c.json(accountToJson(row), 200);
});
