// A page body PostgreSQL renders as JSON text (answered as it came, src/http/json-text.ts), put together
// without parsing it: holes for the few values only the worker can write (a signed link, or a jsonb object
// as JavaScript serialises it: its own key order and number form, not PostgreSQL's), and the envelope
// whose scalar fields the worker knows.
import { type SQL, sql } from "drizzle-orm";

/**
 * A hole, as a json value (row_to_json embeds a json column's text verbatim): the JSON string "\u0000".
 * PostgreSQL text never holds a NUL, so no text it renders ever contains this sequence.
 */
export const JSON_HOLE = sql`'"\\u0000"'::json`;

const HOLE_TEXT = '"\\u0000"';

/** `text` with its holes replaced, in order, by `values` (each a JSON text); throws when the counts differ. */
export function fillJsonHoles(text: string, values: readonly string[]): string {
  const parts = text.split(HOLE_TEXT);
  if (parts.length !== values.length + 1) {
    throw new Error(`JSON text has ${parts.length - 1} holes for ${values.length} values`);
  }
  return parts.reduce((out, part, i) => out + values[i - 1] + part);
}

/**
 * SQL text: the JSON array of a page's rows, each the lateral row aliased `j` as row_to_json writes it, in
 * `orderBy` order (only those `where` keeps), and '[]' for none: the body a list answers as it is.
 */
export const jsonArrayText = (orderBy: SQL, where?: SQL) =>
  sql`coalesce('[' || string_agg(row_to_json(j)::text, ',' ORDER BY ${orderBy})${where ? sql` FILTER (WHERE ${where})` : sql``} || ']', '[]')`;

/** JSON text already rendered, to be embedded as it is by jsonObjectText. */
export class RenderedJson {
  constructor(readonly text: string) {}
}

/**
 * An object's JSON text, keys in the order given (none may look like an integer: JavaScript would move
 * it first): a RenderedJson value as it is, any other as JSON.stringify writes it.
 */
export const jsonObjectText = (fields: Record<string, unknown>) =>
  `{${Object.entries(fields)
    .map(
      ([key, value]) => `${JSON.stringify(key)}:${value instanceof RenderedJson ? value.text : JSON.stringify(value)}`,
    )
    .join(",")}}`;
