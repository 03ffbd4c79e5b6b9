import { type SQL, sql } from "drizzle-orm";

const FORMATS = {
  seconds: 'YYYY-MM-DD"T"HH24:MI:SS"Z"',
  millis: 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"',
  micros: 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"',
} as const;

/** A timestamptz column rendered by Postgres as ISO 8601 UTC text (so JS never reformats it). */
export const isoUtc = (column: SQL, precision: keyof typeof FORMATS) =>
  sql`to_char(${column} AT TIME ZONE 'UTC', ${sql.raw(`'${FORMATS[precision]}'`)})`;
