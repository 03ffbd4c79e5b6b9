// SQL fragments shared by the admin resources' queries.ts files: time columns as ISO text, name prefixes,
// and the insert that turns a missing workspace (its foreign key) into null.
import { sql } from "drizzle-orm";
import { isoUtc } from "../../db/sql-time";
import { AppError, FOREIGN_KEY_VIOLATION, pgErrorOf } from "../../lib/errors";

export const iso = (column: string) => isoUtc(sql.raw(column), "millis");
export const micros = (column: string) => isoUtc(sql.raw(column), "micros");

/** LIKE pattern matching names that start with `text` (its own % and _ match literally). */
export const prefixPattern = (text: string) => `${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** The foreign key of accounts.currency (migration 0009): a code the currencies table does not list. */
const UNKNOWN_CURRENCY = "accounts_currency_currencies_code_fk";

/**
 * The inserted row, or null when the workspace it belongs to does not exist (its foreign key). A currency
 * the currencies table does not list is the caller's bad input: a 400 naming the field.
 */
export async function unlessNoWorkspace<T>(insert: Promise<T[]>): Promise<T | null> {
  const rows = await insert.catch((err) => {
    const pgError = pgErrorOf(err);
    if (pgError?.constraint === UNKNOWN_CURRENCY) {
      throw new AppError("bad_request", "currency must be a known ISO 4217 code", { currency: ["unknown currency"] });
    }
    if (pgError?.code === FOREIGN_KEY_VIOLATION) return null;
    throw err;
  });
  if (rows === null) return null;
  if (!rows[0]) throw new Error("insert returned no row");
  return rows[0];
}
