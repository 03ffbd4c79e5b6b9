// Idempotency-Key handling. The key's row, the effect it guards and the stored response commit in one
// transaction, so a key exists exactly when its effect does. A transaction-scoped advisory lock on the
// key tells a retry that arrives while the first attempt is still running (→ 409) apart from one that
// arrives after it (→ replay). Successes and deterministic refusals (insufficient funds, suspended
// account) are stored and replayed; validation errors never reach here, and transient failures
// (409, 5xx) roll back with nothing stored, so retrying them runs again.
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { PostingError, type PostingFailure } from "./posting";

export type Executor = Pick<Database, "execute" | "select" | "insert" | "update">;
export type StoredOutcome = { status: number; body: unknown };
export type IdempotentOutcome = StoredOutcome & { replayed: boolean };

/** Retention of stored outcomes (the contract promises at least 24 hours). */
const RETENTION = "48 hours";

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

export function validateIdempotencyKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (!KEY_SHAPE.test(key))
    throw new AppError("bad_request", "Idempotency-Key must be 1-255 printable ASCII characters");
  return key;
}

/** Digest of the parsed request: what it asks for, not how its bytes were laid out. */
export async function requestFingerprint(parts: unknown): Promise<string> {
  return sha256Hex(stableStringify(parts));
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

type Guard = {
  scope: string;
  key: string | undefined;
  fingerprint: string;
  /**
   * The caller's credential re-checked in the statement that reads a stored answer (a boolean SQL
   * expression), so a revoked key or token is never shown an answer again, whatever the edge cache says.
   */
  stillAuthorized?: { check: SQL; error: () => AppError };
  /**
   * Store ledger refusals (insufficient funds, suspended) so retries replay them (default). Off where the
   * effect picks its account before posting, so a refusal may depend on a choice the key did not make.
   */
  storeRefusals?: boolean;
};

/** Deterministic refusals that are stored and replayed like successes: the same request gets the same answer. */
const REPLAYED_FAILURES = new Set<PostingFailure>(["insufficient_funds", "account_suspended"]);
type StoredFailure = { $posting_failure: PostingFailure };
const isStoredFailure = (body: unknown): body is StoredFailure =>
  typeof body === "object" && body !== null && "$posting_failure" in body;

export async function runIdempotent(
  db: Database,
  guard: Guard,
  effect: (tx: Executor) => Promise<StoredOutcome>,
): Promise<IdempotentOutcome> {
  if (!guard.key) return { ...(await effect(db)), replayed: false };
  const { scope, key, fingerprint } = guard;
  const result = await db.transaction(async (tx) => {
    const lock = await tx.execute<{ locked: boolean }>(
      sql`SELECT pg_try_advisory_xact_lock(hashtextextended(${`${scope} ${key}`}, 0)) AS locked`,
    );
    if (!lock.rows[0]?.locked) {
      throw new AppError("conflict", "A request with this Idempotency-Key is still being processed; retry later");
    }
    const existing = await tx.execute<{
      request_hash: string;
      response_status: number;
      response_body: unknown;
      authorized: boolean;
    }>(
      sql`SELECT request_hash, response_status, response_body, ${guard.stillAuthorized?.check ?? sql`true`} AS authorized
          FROM idempotency_keys WHERE scope = ${scope} AND key = ${key} AND expires_at > now()`,
    );
    const stored = existing.rows[0];
    if (stored) {
      if (!stored.authorized && guard.stillAuthorized) throw guard.stillAuthorized.error();
      if (stored.request_hash !== fingerprint) {
        throw new AppError("unprocessable", "Idempotency-Key was already used with a different request");
      }
      return { status: stored.response_status, body: stored.response_body, replayed: true };
    }
    let outcome: StoredOutcome;
    try {
      outcome = await effect(tx);
    } catch (err) {
      // The posting matched no row, so nothing was written (effects post before any other write):
      // store the refusal and answer it after commit.
      const storable =
        guard.storeRefusals !== false && err instanceof PostingError && REPLAYED_FAILURES.has(err.reason);
      if (!storable) throw err;
      outcome = { status: err.status, body: { $posting_failure: err.reason } satisfies StoredFailure };
    }
    await tx.execute(
      sql`INSERT INTO idempotency_keys (scope, key, request_hash, response_status, response_body, expires_at)
          VALUES (${scope}, ${key}, ${fingerprint}, ${outcome.status}, ${JSON.stringify(outcome.body)}::jsonb,
                  now() + ${RETENTION}::interval)
          ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,
            response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body,
            created_at = now(), expires_at = EXCLUDED.expires_at`,
    );
    return { ...outcome, replayed: false };
  });
  if (isStoredFailure(result.body)) throw new PostingError(result.body.$posting_failure, result.replayed);
  return result;
}

/** Removes outcomes past their retention (scheduled). Bounded per run so it never holds locks for long. */
export async function purgeExpiredIdempotencyKeys(db: Database, batch = 5_000): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    WITH gone AS (
      DELETE FROM idempotency_keys WHERE ctid IN (
        SELECT ctid FROM idempotency_keys WHERE expires_at < now() LIMIT ${batch})
      RETURNING 1)
    SELECT count(*)::int AS n FROM gone`);
  return rows[0]?.n ?? 0;
}
