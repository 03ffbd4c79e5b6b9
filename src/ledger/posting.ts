// Posting: the only code that changes a balance, through the SQL function ledger_post
// (drizzle/functions/30_ledger_post.sql). Each posting is one balanced ledger transaction: the customer
// leg, whose balance changes in ONE conditional UPDATE re-checking tenant, key revocation, suspension,
// overdraft and currency precision on the newest row version (Read Committed), and its counter-leg on a
// system account (`counter`). This module holds the posting's vocabulary (requests, entries, refusals);
// its SQL expression, `postingCall` in ledger/queries.ts, is placed by callers inside their own single
// statement (a CTE), so a posting together with its payment row and its stored idempotent answer is one
// database round trip.
import type { SQL } from "drizzle-orm";
import type { LedgerSource, LedgerType } from "../db/schema";
import { AppError } from "../lib/errors";

/** The upstreams whose money passes through a clearing account until they settle it. */
export const UPSTREAMS = ["sms_gateway", "mobile_money", "crypto"] as const;
export type Upstream = (typeof UPSTREAMS)[number];

/**
 * System accounts, one per code and currency. Signs: the sum over all accounts of a currency is zero, so a
 * deposit of X credits the customer +X and leaves its clearing account at −X; a usage charge of X moves X
 * from the customer to `revenue:usage`.
 */
export type SystemAccount =
  | `clearing:${Upstream}`
  | "clearing:api"
  | "clearing:manual"
  | "revenue:usage"
  | "adjustments:portal"
  | `settlement:${Upstream}`
  | `fees:${Upstream}`
  | `writeoff:${Upstream}`;

export const SYSTEM_ACCOUNT_CODE =
  /^(clearing|settlement|fees|writeoff):(sms_gateway|mobile_money|crypto)$|^clearing:(api|manual)$|^revenue:usage$|^adjustments:portal$/;
export const isSystemAccount = (code: string): code is SystemAccount => SYSTEM_ACCOUNT_CODE.test(code);

export type PostingRequest = {
  /** The account, as a value or as a SQL expression of the caller's statement (e.g. `acct.id`). */
  accountId: string | SQL;
  /** The counter-leg's system account, or a SQL text expression naming one (a reversal's original). */
  counter: SystemAccount | SQL;
  /** Tenant guard: the account must belong to this workspace. Omitted by the back office and upstream events. */
  workspaceId?: string | SQL;
  /** Signed canonical decimal string, or a SQL numeric expression of the caller's statement. */
  amount: string | SQL;
  source: LedgerSource;
  type: LedgerType;
  description?: string | null | SQL;
  /** The effective date the client or upstream gave (default: the posting time). */
  occurredAt?: Date | SQL;
  externalRef?: string | null | SQL;
  /** JSON-able value, or a jsonb SQL expression of the caller's statement. */
  metadata?: unknown;
  /** Refuse a debit that would take the balance below -overdraft_limit. */
  enforceOverdraft: boolean;
  /** Re-check this API key's revocation in the same statement. */
  apiKeyId?: string | SQL;
  /** Refuse when the account is suspended. */
  requireNotSuspended?: boolean;
};

export type PostedEntry = {
  id: number;
  transaction_id: number;
  amount: string;
  balance_after: string;
  currency: string;
  /** The effective date (what the client or upstream said), ISO 8601 UTC. */
  occurred_at: string;
  /** When the ledger recorded it, ISO 8601 UTC. */
  posted_at: string;
  source: LedgerSource;
  type: LedgerType;
  description: string | null;
};

/** What ledger_post refuses, by reason. */
export type PostingRefusal =
  | { failure: "account_not_found" | "insufficient_funds" | "key_revoked" | "account_suspended" }
  | { failure: "currency_precision"; currency: string; minor_units: number };
export type PostingFailure = Exclude<PostingRefusal["failure"], "currency_precision">;

/** What an effect of a surface refuses besides the posting's own reasons (each surface words them). */
export type EffectRefusal =
  | {
      failure:
        | "payment_not_found"
        | "member_revoked"
        | "no_account"
        | "not_found"
        | "original_not_found"
        | "already_reversed"
        | "reference_taken"
        | "client_revoked"
        | "nothing_to_adjust"
        | "already_settled";
    }
  | { failure: "illegal_transition"; from: string }
  | { failure: "unresolved"; count: number }
  /** Items whose credits another reconciliation settled first. */
  | { failure: "settled_elsewhere"; items: { id: string; key: string; reconciliation_id: string }[] };

/** What a write's effect answers when it refuses. */
export type Refusal = PostingRefusal | EffectRefusal;

/** Deterministic refusals that runWrite stores and replays like successes: the same request gets the same answer. */
export const REPLAYED_FAILURES = ["insufficient_funds", "account_suspended"] as const satisfies PostingFailure[];

export const isRefusal = (r: object): r is Refusal => "failure" in r;

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

/**
 * The error for a refusal of the posting. A precision refusal is the validation error it always was
 * (400): "<field> has more than N decimal places allowed for CUR", with the field's details. Refusals of
 * an effect's own are worded by its surface, never here.
 */
export function refusalError(refusal: Refusal, field = "amount"): AppError {
  switch (refusal.failure) {
    case "currency_precision": {
      const problem = `has more than ${refusal.minor_units} decimal places allowed for ${refusal.currency}`;
      return new AppError("bad_request", `${field} ${problem}`, { [field]: [problem] });
    }
    case "account_not_found":
    case "insufficient_funds":
    case "key_revoked":
    case "account_suspended":
      return new PostingError(refusal.failure);
    default:
      throw new Error(`unhandled refusal of a write: ${refusal.failure}`);
  }
}
