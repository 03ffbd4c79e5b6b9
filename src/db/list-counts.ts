// The list totals' counter rows (table list_counts, kept by the counters' triggers of
// drizzle/functions/): how every reader names a counter and its dimensions, in one place.
import { type Placeholder, type SQL, sql } from "drizzle-orm";

/** The counters the triggers of drizzle/functions/62_list_count_triggers.sql declare. */
export type Counter = "mobile_money_payments" | "mobile_money_payments_by_day" | "sms_payments" | "crypto_payments";

/** A column of the counted rows: on a counter row, the dimension stored under its name. */
export type Column = (name: string) => SQL;

/** The column itself, on the counted table's rows. */
export const rowColumn: Column = (name) => sql`${sql.identifier(name)}`;

/** The same column as a dimension of a counter row (`dims->>'status'`). */
export const counterColumn: Column = (name) => sql`(dims->>${sql.raw(`'${name.replaceAll("'", "''")}'`)})`;

/** `FROM list_counts WHERE ...`: one owner's rows of a counter, the conditions on them ANDed. */
export const counterRows = (counter: Counter, ownerId: string | Placeholder, where: SQL[] = []) =>
  sql`FROM list_counts WHERE ${sql.join([sql`counter = ${counter}`, sql`owner_id = ${ownerId}`, ...where], sql` AND `)}`;
