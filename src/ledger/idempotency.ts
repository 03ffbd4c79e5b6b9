// Writes in one database round trip, with or without an Idempotency-Key.
//
// A write is an Effect: top-level CTEs plus a SELECT yielding one row whose jsonb column `result` is the
// effect's outcome (the posted entry, the new payment…) or a Refusal ({"failure": …}). Without a key
// the effect runs as one statement. With a key it runs as one non-interactive batch (one BEGIN…COMMIT
// over Neon's HTTP path) of two statements:
//   1. idempotency_claim: the key's advisory lock (busy → 409), then the stored answer, if any, read
//      with a fresh snapshot (same key and body → replay; other body → 422);
//   2. the effect, whose postings run only when the claim opened the key (idempotency_open()), and
//      which stores its own outcome in idempotency_keys in the same statement.
// Claim, effect and stored answer commit together, so a key exists exactly when its effect does.
//
// The stored answer is the effect's outcome, not the rendered body: a replay renders it again with
// the same function. Business refusals (insufficient funds, suspended account) are stored and replayed
// like successes; validation errors never reach here, and transient failures (409, 5xx) store nothing.
import type { SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import { type BoundStatement, batchBound, executeBound, prepared, type Slot } from "../db/prepared";
import { sha256Hex } from "../lib/crypto";
import { AppError, pgErrorOf } from "../lib/errors";
import { isRefusal, PostingError, type PostingFailure, type Refusal, refusalError } from "./posting";
import { claimStatement, effectStatement, storingEffectStatement } from "./queries";

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

export type Guard = {
  scope: string;
  key: string | undefined;
  fingerprint: string;
  /**
   * The caller's credential re-checked in the statement that reads a stored answer (a boolean SQL
   * expression), so a revoked key or token is never shown an answer again, whatever the edge cache says.
   * A prepared write (prepareWrite) compiles its check into its claim: it gives only the error here.
   */
  stillAuthorized?: { check?: SQL; error: () => AppError };
  /**
   * Store ledger refusals (insufficient funds, suspended) so retries replay them (default). Off where the
   * effect picks its account before posting, so a refusal may depend on a choice the key did not make.
   */
  storeRefusals?: boolean;
};

/**
 * One statement's worth of work: `WITH <ctes> SELECT <result> AS result`, the result json or jsonb (json
 * keeps the key order of a body built in SQL for a fresh answer; the stored copy is jsonb).
 */
export type Effect = {
  ctes?: SQL;
  result: SQL;
  /** A refusal undoes everything the statement did (write_refused raises), instead of committing it. */
  rollbackOnRefusal?: boolean;
  /** One more statement for the same batch, after the effect (it sees the effect's writes). */
  followUp?: SQL;
};

export type WriteAnswer<R, B> = {
  /** HTTP status of a success. */
  status: number;
  /** The response body from the effect's outcome; the same function renders replays. */
  render: (result: R) => B;
  /** Turns a refusal of the effect into the surface's error (default: the posting's own errors). */
  refused?: (refusal: Refusal) => Error;
};

export type WriteOutcome<B> = { status: number; body: B; replayed: boolean };

const BALANCE_RANGE_CONSTRAINT = "accounts_balance_range";
/** Raised by write_refused (drizzle/functions/10_idempotency.sql). */
const REFUSED_SQLSTATE = "PE001";

type Stored<R> = { $effect: R } | { $posting_failure: PostingFailure };
/** The claim's row; a stored answer is the effect's outcome (or, before migration 0006, a rendered body). */
type Claim<R, B> = {
  state: "new" | "busy" | "replay" | "mismatch";
  response_status: number | null;
  response_body: Stored<R> | B | null;
  authorized: boolean;
};

/** The guard's values and the answer's status, bound into a prepared write's statements per request. */
type GuardSlot = "$scope" | "$key" | "$fingerprint" | "$status" | "$storeRefusals";

/** A prepared write with one request's values bound: what runWrite takes in place of an Effect. */
export type BoundWrite = {
  single: () => BoundStatement;
  keyed: (values: { readonly [K in GuardSlot]: unknown }) => [BoundStatement, BoundStatement];
};

/**
 * An effect whose two forms (alone, and as claim + storing effect under an Idempotency-Key) are compiled
 * once per isolate (src/db/prepared.ts): for the hottest money writes, whose SQL never changes shape.
 * `build` writes the effect over named slots; `stillAuthorized` is the claim's credential check.
 * Effects with a follow-up statement or a rollback on refusal are not prepared.
 */
export function prepareWrite<P extends string>(
  build: (slot: Slot<P>) => Effect,
  stillAuthorized?: (slot: Slot<P>) => SQL,
): (values: { readonly [K in P]: unknown }) => BoundWrite {
  const single = prepared<P>((slot) => effectStatement(build(slot)));
  const claim = prepared<P | GuardSlot>((slot) =>
    claimStatement(slot("$scope"), slot("$key"), slot("$fingerprint"), stillAuthorized?.(slot)),
  );
  const storing = prepared<P | GuardSlot>((slot) =>
    storingEffectStatement(build(slot), {
      scope: slot("$scope"),
      key: slot("$key"),
      fingerprint: slot("$fingerprint"),
      status: slot("$status"),
      storeRefusals: slot("$storeRefusals"),
    }),
  );
  return (values) => ({
    single: () => single(values),
    keyed: (guard) => {
      const all = { ...values, ...guard };
      return [claim(all), storing(all)];
    },
  });
}

const isBound = (effect: Effect | BoundWrite): effect is BoundWrite => "keyed" in effect;

/** The guard's values as the claim and the storing effect bind them. */
type StoredUnder = { scope: string; key: string; fingerprint: string; status: number; storeRefusals: boolean };

/** The claim and the storing effect of an Effect built for this request, as one batch. */
function keyedBatch<R extends object, B>(db: Database, stored: StoredUnder, check: SQL | undefined, effect: Effect) {
  if (effect.followUp || effect.rollbackOnRefusal) throw new Error("idempotent writes take a single effect statement");
  return db.batch([
    db.execute<Claim<R, B>>(claimStatement(stored.scope, stored.key, stored.fingerprint, check)),
    db.execute<{ result: R | Refusal | null }>(storingEffectStatement(effect, stored)),
  ]);
}

/** Runs the effect once (idempotently when the guard has a key): exactly one database request. */
export async function runWrite<R extends object, B>(
  db: Database,
  guard: Guard | null,
  effect: Effect | BoundWrite,
  answer: WriteAnswer<R, B>,
): Promise<WriteOutcome<B>> {
  const refuse = (refusal: Refusal) => answer.refused?.(refusal) ?? refusalError(refusal);
  const fresh = (result: R | Refusal | null | undefined): WriteOutcome<B> => {
    if (!result) throw new Error("the write's effect returned no outcome");
    if (isRefusal(result)) throw refuse(result);
    return { status: answer.status, body: answer.render(result), replayed: false };
  };

  const rethrow = (err: unknown): never => {
    const pgError = pgErrorOf(err);
    if (pgError?.code === REFUSED_SQLSTATE && pgError.detail) throw refuse(JSON.parse(pgError.detail) as Refusal);
    if (pgError?.constraint === BALANCE_RANGE_CONSTRAINT) {
      throw new AppError("bad_request", "amount would take the balance beyond the supported range");
    }
    throw err;
  };

  if (!guard?.key) {
    if (isBound(effect)) {
      const { rows } = await executeBound<{ result: R | Refusal | null }>(db, effect.single()).catch(rethrow);
      return fresh(rows[0]?.result);
    }
    const statement = effectStatement(effect);
    const [first] = effect.followUp
      ? await db
          .batch([db.execute<{ result: R | Refusal | null }>(statement), db.execute(effect.followUp)])
          .catch(rethrow)
      : [await db.execute<{ result: R | Refusal | null }>(statement).catch(rethrow)];
    return fresh(first.rows[0]?.result);
  }

  const under: StoredUnder = {
    scope: guard.scope,
    key: guard.key,
    fingerprint: guard.fingerprint,
    status: answer.status,
    storeRefusals: guard.storeRefusals !== false,
  };
  if (!isBound(effect) && guard.stillAuthorized && !guard.stillAuthorized.check) {
    throw new Error("a write built per request states its credential check in the guard");
  }
  const [claimed, effected] = isBound(effect)
    ? await batchBound<[Claim<R, B>, { result: R | Refusal | null }]>(
        db,
        effect.keyed({
          $scope: under.scope,
          $key: under.key,
          $fingerprint: under.fingerprint,
          $status: under.status,
          $storeRefusals: under.storeRefusals,
        }),
      ).catch(rethrow)
    : await keyedBatch<R, B>(db, under, guard.stillAuthorized?.check, effect).catch(rethrow);

  const claim = claimed.rows[0];
  if (!claim) throw new Error("idempotency_claim returned no row");
  if (claim.state === "busy") {
    throw new AppError("conflict", "A request with this Idempotency-Key is still being processed; retry later");
  }
  if (claim.state === "new") return fresh(effected.rows[0]?.result);
  if (!claim.authorized && guard.stillAuthorized) throw guard.stillAuthorized.error();
  if (claim.state === "mismatch") {
    throw new AppError("unprocessable", "Idempotency-Key was already used with a different request");
  }
  const stored = claim.response_body;
  if (stored && typeof stored === "object" && "$posting_failure" in stored) {
    const err = refuse({ failure: stored.$posting_failure });
    throw err instanceof PostingError ? new PostingError(err.reason, true) : Object.assign(err, { replayed: true });
  }
  if (stored && typeof stored === "object" && "$effect" in stored) {
    return { status: claim.response_status ?? answer.status, body: answer.render(stored.$effect), replayed: true };
  }
  // Stored before migration 0006 by the interactive code, which kept the rendered body itself.
  return { status: claim.response_status ?? answer.status, body: stored as B, replayed: true };
}
