import { z } from "@hono/zod-openapi";
import { LEDGER_TYPES } from "../../db/schema";
import { amountField, idParam, integerQuery, mustBePositive, oneMessage } from "../../http/params";
import { parseUsageDate } from "./usage-date";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_DETAILS_LENGTH = 500;
export const MAX_METADATA_BYTES = 8 * 1024;
const MAX_METADATA_DEPTH = 32;

export const AccountTransactionsError = z
  .object({
    error: z.object({
      code: z.string().openapi({
        description:
          "bad_request, insufficient_funds, unauthorized, forbidden, not_found, conflict, unprocessable, " +
          "payload_too_large, rate_limited, internal, unavailable",
        example: "insufficient_funds",
      }),
      message: z.string().openapi({ example: "Insufficient funds" }),
      details: z
        .record(z.string(), z.array(z.string()))
        .optional()
        .openapi({ description: "Problems per field, for invalid input", example: { amount: ["is required"] } }),
      request_id: z.string().optional().openapi({ description: "Only on 5xx answers" }),
    }),
  })
  .openapi("AccountTransactionsError");

const required = (kind: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? "is required" : `must be ${kind}`;

/** Neither Postgres text nor jsonb can hold NUL or a lone UTF-16 surrogate. */
const UNSTORABLE = /\u0000|[\uD800-\uDFFF]/u;

export const AccountParam = z.object({
  // Any string: a malformed id is answered exactly like an unknown account.
  accountId: idParam("accountId", {
    description: "Account ID (UUID)",
    example: "3f1c2a9e-8d4b-4c55-9a1e-2b7f0c6d9e10",
  }),
});

/** At most 16 digits; one message whatever is wrong. */
const PAGE_DIGITS = /^\d{1,16}$/;

// Unknown query parameters are ignored (the policy of every GET surface); known ones are validated.
export const TransactionsQuery = z.object({
  page: integerQuery("page", {
    min: 1,
    fallback: 1,
    syntax: PAGE_DIGITS,
    wording: oneMessage("page must be a positive integer"),
    doc: { description: "Page number of the transactions list (1-based)" },
  }),
  pageSize: integerQuery("pageSize", {
    min: 1,
    max: MAX_PAGE_SIZE,
    fallback: DEFAULT_PAGE_SIZE,
    syntax: PAGE_DIGITS,
    wording: oneMessage(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`),
    doc: { description: "Number of transactions per page" },
  }),
});

export const Transaction = z
  .object({
    id: z.string().openapi({ example: "txn_123456789" }),
    type: z.enum(LEDGER_TYPES).openapi({
      description: "recharge (add-funds), usage (record-usage), or the type of an entry from another source",
    }),
    amount: z.number().openapi({ description: "Signed: usage is negative", example: 100 }),
    timestamp: z.string().openapi({ example: "2025-06-27T02:04:24.058Z" }),
  })
  .openapi("AccountTransaction");

export const TransactionsPage = z
  .object({
    transactions: z.array(Transaction),
    total: z.number().int(),
    totalPages: z.number().int(),
    currentPage: z.number().int(),
  })
  .openapi("AccountTransactionsPage");

/** A positive exact amount: a JSON number or a decimal string, as canonical decimal text. */
const positiveAmount = amountField(
  { missing: "is required", notNumber: "must be a number", invalid: (problem) => problem },
  mustBePositive("must be greater than 0"),
).openapi({
  type: "number",
  format: "float",
  exclusiveMinimum: 0,
  example: 100,
  description:
    "Positive exact decimal (a decimal string is accepted too), at most 12 integer digits and no more " +
    "decimals than the account currency has (2 for most, 0 for JPY...)",
});

export const AddFundsBody = z.object({ amount: positiveAmount }).strict().openapi("AddFundsRequest");

export const AddFundsResult = z
  .object({
    transaction_id: z.string().openapi({ example: "txn_123456789" }),
    updated_balance: z.number().openapi({ example: 200 }),
  })
  .openapi("AddFundsResponse");

const MAX_FUTURE_SKEW_MS = 5 * 60_000;

const usageDate = z
  .string({ error: required("a string") })
  .max(64, "must be a date-time such as 2010-01-01 00:00:00")
  .transform((text, ctx) => {
    const date = parseUsageDate(text);
    if (!date) {
      ctx.addIssue({ code: "custom", message: "must be a valid date-time such as 2010-01-01 00:00:00 (UTC)" });
      return z.NEVER;
    }
    // Usage happens before it is recorded (Stripe refuses future usage timestamps too); a little clock skew is fine.
    if (date.getTime() > Date.now() + MAX_FUTURE_SKEW_MS) {
      ctx.addIssue({ code: "custom", message: "must not be more than 5 minutes in the future" });
      return z.NEVER;
    }
    return date;
  })
  .openapi({
    type: "string",
    example: "2010-01-01 00.00:00",
    description: 'ISO 8601, or "YYYY-MM-DD HH:MM:SS" with ":" or "." between time parts; UTC unless an offset is given',
  });

/**
 * Depth of nesting (at most MAX_METADATA_DEPTH + 1: deeper is not walked), or Infinity when some string
 * or key cannot be stored. A walk with its own stack, so no body, however deep, can exhaust the call stack.
 */
function jsonDepth(root: unknown): number {
  const pending: [value: unknown, depth: number][] = [[root, 0]];
  let deepest = 0;
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value === "string") {
      if (UNSTORABLE.test(value)) return Number.POSITIVE_INFINITY;
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth + 1 > MAX_METADATA_DEPTH) return depth + 1;
    deepest = Math.max(deepest, depth + 1);
    for (const [key, child] of Object.entries(value)) {
      if (UNSTORABLE.test(key)) return Number.POSITIVE_INFINITY;
      pending.push([child, depth + 1]);
    }
  }
  return deepest;
}

const metadata = z
  .record(z.string(), z.unknown(), { error: "must be a JSON object" })
  .superRefine((value, ctx) => {
    const depth = jsonDepth(value);
    if (depth === Number.POSITIVE_INFINITY) {
      ctx.addIssue({ code: "custom", message: "must not contain NUL characters or unpaired surrogates" });
    } else if (depth > MAX_METADATA_DEPTH) {
      ctx.addIssue({ code: "custom", message: `must not nest deeper than ${MAX_METADATA_DEPTH} levels` });
    } else if (new TextEncoder().encode(JSON.stringify(value)).length > MAX_METADATA_BYTES) {
      ctx.addIssue({ code: "custom", message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON` });
    }
  })
  .openapi({ type: "object", additionalProperties: true, description: "Stored with the ledger entry", example: {} });

export const RecordUsageBody = z
  .object({
    details: z
      .string({ error: required("a string") })
      .trim()
      .min(1, "must not be empty")
      .max(MAX_DETAILS_LENGTH, `must be at most ${MAX_DETAILS_LENGTH} characters`)
      .refine((s) => !UNSTORABLE.test(s), "must not contain NUL characters or unpaired surrogates")
      .openapi({ example: "100 tokens" }),
    amount: positiveAmount.openapi({ example: 15.75 }),
    date: usageDate,
    metadata: metadata.optional(),
  })
  .strict()
  .openapi("RecordUsageRequest");

export const RecordUsageResult = z
  .object({
    status: z.literal("Usage recorded successfully"),
    new_balance: z.number().openapi({ example: 284.25 }),
  })
  .openapi("RecordUsageResponse");

export { IdempotencyHeader } from "../../http/openapi";
