// Posting: the only code that changes a balance, through the SQL function ledger_post (migration 0006).
// Balance and ledger row change in ONE conditional UPDATE whose WHERE re-checks tenant, key revocation,
// suspension, overdraft and currency precision on the newest row version (Read Committed), so
// concurrent debits can neither lose an update nor overdraw, without retries or explicit locks.
// `postingCall` is a SQL expression: callers place it inside their own single statement (a CTE), so a
// posting together with its payment row and its stored idempotent answer is one database round trip.
import { SQL, sql } from "drizzle-orm";
import type { LedgerSource, LedgerType } from "../db/schema";
import { AppError } from "../lib/errors";
import { CURRENCY_DECIMALS_JSON, checkCurrencyPrecision, type ParsedAmount } from "../lib/money";

export type PostingRequest = {
  /** The account, as a value or as a SQL expression of the caller's statement (e.g. `acct.id`). */
  accountId: string | SQL;
  /** Tenant guard: the account must belong to this workspace. Omitted only by the portal admin. */
  workspaceId?: string | SQL;
  /** Signed canonical decimal string, or a SQL numeric expression of the caller's statement. */
  amount: string | SQL;
  source: LedgerSource;
  type: LedgerType;
  description?: string | null | SQL;
  occurredAt?: Date;
  externalRef?: string | null | SQL;
  /** JSON-able value, or a jsonb SQL expression of the caller's statement. */
  metadata?: unknown;
  /** Refuse a debit that would take the balance below -overdraft_limit. */
  enforceOverdraft: boolean;
  /** Re-check this API key's revocation in the same statement. */
  apiKeyId?: string;
  /** Refuse when the account is suspended. */
  requireNotSuspended?: boolean;
  /** Refuse when the amount has more decimals than the account's currency allows. */
  precisionOf?: ParsedAmount;
};

export type PostedEntry = {
  id: number;
  amount: string;
  balance_after: string;
  currency: string;
  occurred_at: string;
  source: LedgerSource;
  type: LedgerType;
  description: string | null;
};

export type PostingFailure = "account_not_found" | "insufficient_funds" | "key_revoked" | "account_suspended";
/**
 * What a write's effect answers when it refuses: ledger_post's PostingFailure reasons and
 * "currency_precision" (with the account's currency), or a reason of the effect's own.
 */
export type Refusal = { failure: string; currency?: string };

export const isRefusal = (r: object): r is Refusal => "failure" in r;

const isPostingFailure = (reason: string): reason is PostingFailure => reason in POSTING_FAILURES;

export class PostingError extends AppError {
  constructor(
    readonly reason: PostingFailure,
    /** True when this is the stored answer of an earlier request with the same Idempotency-Key. */
    readonly replayed = false,
  ) {
    const [kind, message] = POSTING_FAILURES[reason];
    super(kind, message);
  }
}

const POSTING_FAILURES = {
  account_not_found: ["not_found", "Account not found"],
  insufficient_funds: ["bad_request", "Insufficient funds"],
  key_revoked: ["unauthorized", "Invalid API key"],
  account_suspended: ["forbidden", "Account is suspended"],
} as const satisfies Record<PostingFailure, readonly [AppError["kind"], string]>;

/** The error for a refusal; `amount` words the precision refusal as the surfaces always have. */
export function refusalError(refusal: Refusal, amount?: ParsedAmount): AppError {
  if (refusal.failure === "currency_precision") {
    const message =
      (amount && checkCurrencyPrecision(amount, refusal.currency ?? "")) || "amount has too many decimals";
    return new AppError("bad_request", message, { amount: [message.replace(/^amount /, "")] });
  }
  if (isPostingFailure(refusal.failure)) return new PostingError(refusal.failure);
  throw new Error(`unhandled refusal of a write: ${refusal.failure}`);
}

const valueOrSql = (v: string | SQL | null | undefined, cast: string) =>
  v === undefined || v === null ? sql.raw(`NULL::${cast}`) : typeof v === "string" ? sql`${v}::${sql.raw(cast)}` : v;

const metadataSql = (m: unknown) =>
  m === undefined ? sql`NULL::jsonb` : m instanceof SQL ? m : sql`${JSON.stringify(m)}::jsonb`;

/** `ledger_post(...)`: a jsonb PostingResult, or NULL when the batch's idempotency claim closed it. */
export function postingCall(req: PostingRequest): SQL {
  return sql`ledger_post(
    ${valueOrSql(req.accountId, "uuid")}, ${valueOrSql(req.workspaceId, "uuid")}, ${valueOrSql(req.amount, "numeric")},
    ${req.source}::text, ${req.type}::text, ${valueOrSql(req.description, "text")},
    ${valueOrSql(req.occurredAt?.toISOString(), "timestamptz")}, ${valueOrSql(req.externalRef, "text")},
    ${metadataSql(req.metadata)},
    ${req.enforceOverdraft}::boolean, ${valueOrSql(req.apiKeyId, "uuid")}, ${req.requireNotSuspended ?? false}::boolean,
    ${req.precisionOf?.decimals ?? 0}::int, ${req.precisionOf ? sql`${CURRENCY_DECIMALS_JSON}::jsonb` : sql`NULL::jsonb`})`;
}
