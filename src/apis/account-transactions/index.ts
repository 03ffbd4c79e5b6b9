// Spec 002: the account ledger under /v1/account/{accountId}/transactions.
// Concurrency: every write is ONE conditional UPDATE…INSERT (ledger_post). Under Read Committed
// Postgres re-evaluates the overdraft/tenant/status/key WHERE clause on the newest row version after
// waiting for a concurrent writer, so racing writes serialize on the account row: no lost update, no
// overdraft, no retry loop and no serialization failures to handle. With an Idempotency-Key the claim,
// the posting and the stored answer are one batch (runWrite): one database round trip either way.

import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ApiKeyEnv } from "../../auth/api-key-middleware";
import type { ApiKeyPrincipal } from "../../auth/api-keys";
import { jsonObjectText, RenderedJson } from "../../db/rendered-json";
import { jsonText } from "../../http/json-text";
import { database } from "../../http/request-db";
import { createSurface, type ErrorRenderer } from "../../http/surface";
import { requestFingerprint, runWrite, validateIdempotencyKey } from "../../ledger/idempotency";
import { type PostedEntry, PostingError, refusalError } from "../../ledger/posting";
import { AppError } from "../../lib/errors";
import { toJsonNumber } from "../../lib/money";
import { addFundsPosting, entriesPage, recordUsagePosting } from "./queries";
import * as routes from "./routes";
import type { AddFundsResult, RecordUsageResult, TransactionsPage } from "./schemas";

const isInsufficientFunds = (err: unknown) => err instanceof PostingError && err.reason === "insufficient_funds";

const render: ErrorRenderer = (err, requestId) => ({
  error: {
    code: isInsufficientFunds(err) ? "insufficient_funds" : err.kind,
    message: err.message,
    ...(err.details ? { details: err.details } : {}),
    ...(err.status >= 500 ? { request_id: requestId } : {}),
  },
});

export const accountTransactionsApi = createSurface(render);

type Ctx = Context<ApiKeyEnv>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The account id when this key may touch it at all (well-formed, and the key's own account when the key
 * is bound to one); the workspace is checked against the database by the query or posting itself.
 */
function reachableAccountId(key: ApiKeyPrincipal, raw: string): string | null {
  const id = raw.toLowerCase();
  if (!UUID.test(id)) return null;
  if (key.account_id && key.account_id !== id) return null;
  return id;
}

accountTransactionsApi.openapi(routes.listTransactions, async (c) => {
  const key = c.get("apiKey");
  const accountId = reachableAccountId(key, c.req.valid("param").accountId);
  if (!accountId) throw new AppError("not_found", "Account not found");
  const { page, pageSize } = c.req.valid("query");
  const result = await entriesPage(database(c), key.id, key.workspace_id, accountId, (page - 1) * pageSize, pageSize);
  if (!result.key_ok) throw new AppError("unauthorized", "Invalid API key");
  if (!result.account_ok) throw new AppError("not_found", "Account not found");
  return jsonText<z.output<typeof TransactionsPage>>(
    c,
    jsonObjectText({
      transactions: new RenderedJson(result.transactions),
      total: result.total,
      totalPages: Math.ceil(result.total / pageSize),
      currentPage: page,
    }),
  );
});

const accountNotFound = () => new AppError("bad_request", "Account not found");

/** Shared by both writes: the key may reach the account id, then the idempotent posting (one round trip; it checks the workspace, suspension and the currency's precision). */
async function write<T>(
  c: Ctx,
  rawAccountId: string,
  fingerprintOf: Record<string, unknown>,
  posting: { amount: string; type: "recharge" | "usage"; description?: string; occurredAt?: Date; metadata?: unknown },
  render: (entry: PostedEntry) => T,
): Promise<T> {
  const key = c.get("apiKey");
  const accountId = reachableAccountId(key, rawAccountId);
  if (!accountId) throw accountNotFound();
  // No edge lookup first: the posting itself checks the account's workspace (another tenant's account is
  // "not found"), its suspension and the currency's precision, in the one statement, and stores nothing
  // under the key when it refuses so. A KV read here cost each write a lookup, and a second database
  // request whenever KV missed.
  const outcome = await runWrite<PostedEntry, T>(
    database(c),
    {
      scope: `acct:${accountId}`,
      key: validateIdempotencyKey(c.req.header("idempotency-key")),
      fingerprint: await requestFingerprint(fingerprintOf),
      // The key's check is compiled into the prepared claim (queries.ts): only its error here.
      stillAuthorized: { error: () => new AppError("unauthorized", "Invalid API key") },
    },
    (posting.type === "usage" ? recordUsagePosting : addFundsPosting)({
      accountId,
      amount: posting.amount,
      workspaceId: key.workspace_id,
      apiKeyId: key.id,
      description: posting.description ?? null,
      effectiveAt: posting.occurredAt?.toISOString() ?? null,
      metadata: posting.metadata === undefined ? null : JSON.stringify(posting.metadata),
    }),
    {
      status: 200,
      render,
      refused: (refusal) => (refusal.failure === "account_not_found" ? accountNotFound() : refusalError(refusal)),
    },
  );
  if (outcome.replayed) c.header("Idempotent-Replayed", "true");
  return outcome.body;
}

accountTransactionsApi.openapi(routes.addFunds, async (c) => {
  const { accountId } = c.req.valid("param");
  const { amount } = c.req.valid("json");
  const body = await write<z.infer<typeof AddFundsResult>>(
    c,
    accountId,
    { route: "add-funds", amount: amount.value },
    { amount: amount.value, type: "recharge" },
    (entry) => ({ transaction_id: `txn_${entry.id}`, updated_balance: toJsonNumber(entry.balance_after) }),
  );
  return c.json(body, 200);
});

accountTransactionsApi.openapi(routes.recordUsage, async (c) => {
  const { accountId } = c.req.valid("param");
  const { details, amount, date, metadata } = c.req.valid("json");
  const body = await write<z.infer<typeof RecordUsageResult>>(
    c,
    accountId,
    { route: "record-usage", details, amount: amount.value, date: date.toISOString(), metadata },
    { amount: `-${amount.value}`, type: "usage", description: details, occurredAt: date, metadata },
    (entry) => ({ status: "Usage recorded successfully", new_balance: toJsonNumber(entry.balance_after) }),
  );
  return c.json(body, 200);
});
