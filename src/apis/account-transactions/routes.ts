import { createRoute } from "@hono/zod-openapi";
import { requireApiKey } from "../../auth/api-key-middleware";
import { jsonBody, jsonContent, rateLimited } from "../../http/openapi";
import { perApiKey, type RateLimitClass } from "../../http/rate-limit";
import { routeMiddleware } from "../../http/surface";
import {
  AccountParam,
  AccountTransactionsError,
  AddFundsBody,
  AddFundsResult,
  IdempotencyHeader,
  RecordUsageBody,
  RecordUsageResult,
  TransactionsPage,
  TransactionsQuery,
} from "./schemas";

/** The key, its permission, then its budget for the class of request. */
const apiKey = (permission: string, cls: RateLimitClass) =>
  routeMiddleware(requireApiKey(permission, { header: "api_key" }), perApiKey(cls));

const authErrors = {
  429: rateLimited(AccountTransactionsError, "API key"),
  401: jsonContent(AccountTransactionsError, "Missing, unknown or revoked API key"),
  403: jsonContent(AccountTransactionsError, "The key lacks the permission, or the account is suspended (writes)"),
  503: jsonContent(AccountTransactionsError, "The ledger database is unreachable; retry later"),
};
const writeErrors = {
  400: jsonContent(
    AccountTransactionsError,
    'Invalid input (details name the field), "Account not found", or (record-usage) code ' +
      '`insufficient_funds` with message "Insufficient funds" when the usage would exceed the overdraft limit',
  ),
  ...authErrors,
  413: jsonContent(AccountTransactionsError, "Request body too large"),
  409: jsonContent(AccountTransactionsError, "A request with the same Idempotency-Key is still being processed"),
  422: jsonContent(AccountTransactionsError, "The Idempotency-Key was already used with a different request"),
};
const replayedHeader = {
  "Idempotent-Replayed": { schema: { type: "string" as const, enum: ["true"] }, description: "On replays only" },
};
const base = { tags: ["Account transactions (spec 002)"], security: [{ accountApiKey: [] }] };

export const listTransactions = createRoute({
  ...base,
  method: "get",
  path: "/{accountId}/transactions",
  operationId: "listAccountTransactions",
  summary: "List the account's transactions",
  middleware: apiKey("transactions.read", "read"),
  description:
    "Every ledger entry of the account, newest first (by occurrence time, then id), whatever its source: " +
    "recharge (add-funds), usage (record-usage), and entries from the portal or gateways with their own " +
    "types. A page past the end answers an empty list.",
  request: { params: AccountParam, query: TransactionsQuery },
  responses: {
    200: jsonContent(TransactionsPage, "A list of transactions for the specified account"),
    400: jsonContent(AccountTransactionsError, "Invalid page or pageSize"),
    ...authErrors,
    404: jsonContent(AccountTransactionsError, "Account not found (also for accounts the key may not see)"),
  },
});

export const addFunds = createRoute({
  ...base,
  method: "post",
  path: "/{accountId}/transactions/add-funds",
  operationId: "addAccountFunds",
  summary: "Add funds to the account",
  middleware: apiKey("funds.write", "money"),
  description: "Adds funds: posts a `recharge` entry and answers the new balance.",
  request: { params: AccountParam, headers: IdempotencyHeader, ...jsonBody(AddFundsBody) },
  responses: {
    200: { ...jsonContent(AddFundsResult, "Funds added successfully"), headers: replayedHeader },
    ...writeErrors,
  },
});

export const recordUsage = createRoute({
  ...base,
  method: "post",
  path: "/{accountId}/transactions/record-usage",
  operationId: "recordAccountUsage",
  summary: "Record usage against the account",
  middleware: apiKey("usage.write", "money"),
  description:
    "Records usage: posts a `usage` entry of minus `amount` dated `date`, unless it would take the balance " +
    "below the account's overdraft limit (then nothing is posted).",
  request: { params: AccountParam, headers: IdempotencyHeader, ...jsonBody(RecordUsageBody) },
  responses: {
    200: { ...jsonContent(RecordUsageResult, "Usage recorded successfully"), headers: replayedHeader },
    ...writeErrors,
  },
});
