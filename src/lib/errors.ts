import { HTTPException } from "hono/http-exception";

// One typed error for the whole service. Each API surface maps it to its own error envelope.
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorKind = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Per-field problems, for surfaces whose envelope carries them. */
    readonly details?: Record<string, string[]>,
  ) {
    super(message);
  }
  get status() {
    return ERROR_STATUS[this.kind];
  }
}

/** SQLSTATE classes that mean "the database is not reachable right now", not "the request is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/;

/** The Postgres error behind a driver or drizzle wrapper (drizzle puts it in `cause`), if any. */
export function pgErrorOf(err: unknown): { code?: string; constraint?: string; detail?: string } | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code } = e as { code?: unknown };
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code))
      return e as { code: string; constraint?: string; detail?: string };
  }
  return undefined;
}

/** Turns any thrown value into an AppError; unknown failures become a generic 500 or 503. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    // Hono's own refusals (malformed JSON body, wrong content type...).
    const kind =
      (Object.keys(ERROR_STATUS) as ErrorKind[]).find((k) => ERROR_STATUS[k] === err.status) ?? "bad_request";
    return new AppError(kind, err.message || "Bad request");
  }
  if (isDatabaseUnavailable(err)) return new AppError("unavailable", "Service temporarily unavailable, retry later");
  const unstorable = UNSTORABLE_INPUT[pgErrorOf(err)?.code ?? ""];
  if (unstorable) return new AppError("bad_request", unstorable);
  return new AppError("internal", "Internal server error");
}

/**
 * Backstop for input that passed validation but that Postgres refuses to store or read (NUL bytes,
 * lone surrogates in JSON, dates outside its range): the request was bad, nothing was written.
 */
const UNSTORABLE_INPUT: Record<string, string> = {
  "22021": "Request contains characters that cannot be stored (e.g. NUL)",
  "22P05": "Request contains characters that cannot be stored (e.g. NUL or an unpaired surrogate)",
  "22P02": "Request contains a value of the wrong form",
  "22007": "Request contains an invalid date or time",
  "22008": "Request contains a date or time out of the supported range",
  "22003": "Request contains a number out of the supported range",
  "54000": "Request contains a value too large to process",
};

export const FOREIGN_KEY_VIOLATION = "23503";
export const UNIQUE_VIOLATION = "23505";

/**
 * Whether a failure means "the database cannot answer right now, retry later" (each surface's 503), as
 * Neon's SQL-over-HTTP proxy reports it (proxy/src/serverless/sql_over_http.rs) through the driver:
 * - a SQLSTATE of class 08 (connection), 53 (resources, e.g. too many clients) or 57P01-03 (shutdown);
 * - a connection lost under the query: HTTP 400 with code "" and the message "connection closed" or
 *   "error communicating with the server…" (the driver makes it a NeonDbError);
 * - a compute it cannot reach: HTTP 500 (the driver's "Server error (HTTP status 500): {body}") whose
 *   body has one of those SQLSTATEs (PostgreSQL starting up) or code "" and a connection failure's
 *   words; or a 502/503/504 from anything in between;
 * - the endpoint itself unreachable (the driver's "Error connecting to database", workerd's "Network
 *   connection lost").
 * A response over Neon's size limit (507) or a request over it (413) is not transient: retrying sends
 * the same thing again, so it stays a 500.
 */
function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && UNAVAILABLE_SQLSTATE.test(code)) return true;
    if (typeof message !== "string") continue;
    if ((code === "" || code === undefined) && LOST_CONNECTION.test(message)) return true;
    if (UNREACHABLE.test(message)) return true;
    const compute = COMPUTE_ERROR.exec(message);
    if (compute && isUnreachableBody(compute[1] ?? "")) return true;
  }
  return false;
}

/** Neon's words for a connection that died under the query (tokio-postgres's Closed and Io errors). */
const LOST_CONNECTION = /^(connection closed|error communicating with the server)/;

/** The driver's and workerd's words for an endpoint it could not reach, and gateways' 502/503/504. */
const UNREACHABLE = /^Error connecting to database|Network connection lost|^Server error \(HTTP status 50[234]\)/;

/** The driver's words for Neon's 500 (the compute's failures), with Neon's JSON body. */
const COMPUTE_ERROR = /^Server error \(HTTP status 500\): (.*)$/s;

/**
 * A 500 body from Neon saying the compute could not be reached: a connection SQLSTATE (PostgreSQL
 * starting up or shutting down, too many clients) or, with code "", a connection failure.
 */
function isUnreachableBody(text: string): boolean {
  let body: { code?: unknown; message?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof body?.code === "string" && UNAVAILABLE_SQLSTATE.test(body.code)) return true;
  return (
    body?.code === "" &&
    typeof body.message === "string" &&
    /^(error connecting to server|Couldn't connect to compute node|connection closed|error communicating with the server|timeout waiting for server|Failed to acquire permit)/.test(
      body.message,
    )
  );
}
