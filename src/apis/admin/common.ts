// Paging and period parameters shared by the admin resources' lists: keyset cursors, limit, UTC days.
import { z } from "@hono/zod-openapi";
import { integerQuery, oneMessage } from "../../http/params";
import { AppError } from "../../lib/errors";

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const badCursor = () =>
  new AppError("bad_request", "cursor: not a cursor of this list", { cursor: ["invalid"] });

/** An opaque keyset cursor: base64url of the JSON array of the last row's sort values. */
export function encodeKeyset(values: (string | number)[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify(values));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function decodeKeyset<T extends z.ZodType>(cursor: string, shape: T): z.infer<T> | undefined {
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const text = new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
    const parsed = shape.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The cursor decoded with `shape`, undefined without one; a cursor that does not decode is a 400. */
export function keysetAfter<T extends z.ZodType>(cursor: string | undefined, shape: T): z.infer<T> | undefined {
  if (!cursor) return undefined;
  const after = decodeKeyset(cursor, shape);
  if (after === undefined) throw badCursor();
  return after;
}

export const limitQuery = (max: number, fallback: number) =>
  integerQuery("limit", {
    min: 1,
    max,
    fallback,
    syntax: /^\d{1,4}$/,
    wording: oneMessage(`limit must be an integer from 1 to ${max}`),
    doc: { example: fallback, description: `1-${max}, default ${fallback}` },
  });

export const cursorQuery = z
  .string()
  .max(500)
  .optional()
  .openapi({ description: "next_cursor of the previous page (opaque)" });

/** A keyset page query: limit (1-100, default 50) and cursor. */
export const PageQuery = z.object({ limit: limitQuery(100, 50), cursor: cursorQuery });

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isCalendarDay = (d: string) => {
  const ms = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(d);
};
export const day = (name: string) =>
  z
    .string()
    .regex(DAY, `${name} must be a date (YYYY-MM-DD)`)
    .refine((d) => !DAY.test(d) || isCalendarDay(d), `${name} is not a calendar date`)
    .optional()
    .openapi({ example: "2026-11-01", description: `UTC day, YYYY-MM-DD, inclusive` });

/** Longest period a history or an export covers, in days. */
export const MAX_PERIOD_DAYS = 366;

export const dayMillis = 86_400_000;
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const startOfDay = (d: string) => Date.parse(`${d}T00:00:00Z`);

export const periodChecks = <T extends { from?: string; to?: string }>(q: T, ctx: z.RefinementCtx) => {
  if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: "custom", path: ["to"], message: "to is before from" });
  if (q.from && q.to && (startOfDay(q.to) - startOfDay(q.from)) / dayMillis + 1 > MAX_PERIOD_DAYS) {
    ctx.addIssue({ code: "custom", path: ["to"], message: `the period is longer than ${MAX_PERIOD_DAYS} days` });
  }
};

/** A period of UTC days: the given bounds, else up to today and 30 days long; at most MAX_PERIOD_DAYS. */
export function period(q: { from?: string; to?: string }) {
  const to =
    q.to ??
    (q.from ? dayOf(Math.min(Date.now(), startOfDay(q.from) + (MAX_PERIOD_DAYS - 1) * dayMillis)) : dayOf(Date.now()));
  const from = q.from ?? dayOf(startOfDay(to) - 29 * dayMillis);
  if (from > to) throw new AppError("bad_request", "to: to is before from", { to: ["to is before from"] });
  return { from, to };
}

/** Answers a keyset page: the first `limit` rows, and a cursor when one more row was read. */
export function keysetPage<T>(rows: T[], limit: number, cursorOf: (last: T) => string) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next_cursor: rows.length > limit && last ? cursorOf(last) : null };
}
