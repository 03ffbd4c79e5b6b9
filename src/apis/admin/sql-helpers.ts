// SQL fragments shared by the admin resources' queries.ts files: time columns as ISO text, name prefixes,
// and the insert that turns a missing workspace (its foreign key) into null.
import { sql } from "drizzle-orm";
import { isoUtc } from "../../db/sql-time";
import { FOREIGN_KEY_VIOLATION, pgErrorOf } from "../../lib/errors";

export const iso = (column: string) => isoUtc(sql.raw(column), "millis");
export const micros = (column: string) => isoUtc(sql.raw(column), "micros");

/** LIKE pattern matching names that start with `text` (its own % and _ match literally). */
export const prefixPattern = (text: string) => `${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** The inserted row, or null when the workspace it belongs to does not exist (its foreign key). */
export async function unlessNoWorkspace<T>(insert: Promise<T[]>): Promise<T | null> {
  const rows = await insert.catch((err) => {
    if (pgErrorOf(err)?.code === FOREIGN_KEY_VIOLATION) return null;
    throw err;
  });
  if (rows === null) return null;
  if (!rows[0]) throw new Error("insert returned no row");
  return rows[0];
}
