// Posting: the only code that changes a balance. Balance and ledger row change in ONE statement:
// the UPDATE's WHERE re-checks the overdraft condition on the newest row version after waiting for
// any concurrent writer (Read Committed), so concurrent debits can neither lose an update nor
// overdraw, without retries or explicit locks. The same statement re-checks, when asked, that the
// API key is still unrevoked and the account not suspended.
import { sql } from "drizzle-orm";
import { apiKeyActive } from "../auth/api-keys";
import type { LedgerSource, LedgerType } from "../db/schema";
import { isoUtc } from "../db/sql-time";
import { AppError, pgErrorOf } from "../lib/errors";
import type { Executor } from "./idempotency";

export type PostingRequest = {
  accountId: string;
  /** Tenant guard: the account must belong to this workspace. Omitted only by the portal admin. */
  workspaceId?: string;
  /** Signed canonical decimal string. */
  amount: string;
  source: LedgerSource;
  type: LedgerType;
  description?: string | null;
  occurredAt?: Date;
  externalRef?: string | null;
  metadata?: unknown;
  /** Refuse a debit that would take the balance below -overdraft_limit. */
  enforceOverdraft: boolean;
  /** Re-check this API key's revocation in the same statement. */
  apiKeyId?: string;
  /** Refuse when the account is suspended. */
  requireNotSuspended?: boolean;
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

export class PostingError extends AppError {
  constructor(
    readonly reason: PostingFailure,
    /** True when this is the stored answer of an earlier request with the same Idempotency-Key. */
    readonly replayed = false,
  ) {
    const [kind, message] = {
      account_not_found: ["not_found", "Account not found"],
      insufficient_funds: ["bad_request", "Insufficient funds"],
      key_revoked: ["unauthorized", "Invalid API key"],
      account_suspended: ["forbidden", "Account is suspended"],
    }[reason] as ["not_found" | "bad_request" | "unauthorized" | "forbidden", string];
    super(kind, message);
  }
}

const BALANCE_RANGE_CONSTRAINT = "accounts_balance_range";

export async function postEntry(db: Executor, req: PostingRequest): Promise<PostedEntry> {
  const keyCheck = req.apiKeyId ? sql`AND ${apiKeyActive(req.apiKeyId)}` : sql``;
  const overdraftCheck = req.enforceOverdraft
    ? sql`AND (${req.amount}::numeric >= 0 OR balance + ${req.amount}::numeric >= -overdraft_limit)`
    : sql``;
  const workspaceCheck = req.workspaceId ? sql`AND workspace_id = ${req.workspaceId}` : sql``;
  const statusCheck = req.requireNotSuspended ? sql`AND status <> 'suspended'` : sql``;
  let result: { rows: PostedEntry[] };
  try {
    result = await db.execute<PostedEntry>(sql`
      WITH acct AS (
        UPDATE accounts SET balance = balance + ${req.amount}::numeric, updated_at = now()
        WHERE id = ${req.accountId} ${workspaceCheck} ${keyCheck} ${overdraftCheck} ${statusCheck}
        RETURNING id, balance, currency
      )
      INSERT INTO ledger_entries
        (account_id, amount, currency, source, type, description, balance_after, occurred_at, external_ref, metadata)
      SELECT id, ${req.amount}::numeric, currency, ${req.source}, ${req.type}, ${req.description ?? null}, balance,
             coalesce(${req.occurredAt?.toISOString() ?? null}::timestamptz, now()), ${req.externalRef ?? null},
             ${req.metadata === undefined ? null : JSON.stringify(req.metadata)}::jsonb
      FROM acct
      RETURNING id::int AS id, amount::text AS amount, balance_after::text AS balance_after, currency,
                ${isoUtc(sql`occurred_at`, "millis")} AS occurred_at,
                source, type, description`);
  } catch (err) {
    if (pgErrorOf(err)?.constraint === BALANCE_RANGE_CONSTRAINT) {
      throw new AppError("bad_request", "amount would take the balance beyond the supported range");
    }
    throw err;
  }
  const entry = result.rows[0];
  if (entry) return entry;
  throw new PostingError(await diagnose(db, req));
}

/** Why the conditional posting matched no row. Runs only on the failure path. */
async function diagnose(db: Executor, req: PostingRequest): Promise<PostingFailure> {
  const { rows } = await db.execute<{ status: string; key_ok: boolean }>(sql`
    SELECT a.status,
           ${req.apiKeyId ? apiKeyActive(req.apiKeyId) : sql`true`} AS key_ok
    FROM accounts a WHERE a.id = ${req.accountId} ${req.workspaceId ? sql`AND a.workspace_id = ${req.workspaceId}` : sql``}`);
  const row = rows[0];
  if (!row) return "account_not_found";
  if (!row.key_ok) return "key_revoked";
  if (req.requireNotSuspended && row.status === "suspended") return "account_suspended";
  return "insufficient_funds";
}
