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

/** The escape inside a hole: the rare backslash it starts with makes it quick to search for, where the
 * hole's own opening quote, on every key and value, made a search of a 100-row page 5–7× slower. */
const NUL_ESCAPE = "\\u0000";

/** `text` with its holes replaced, in order, by `values` (each a JSON text); throws when the counts differ. */
export function fillJsonHoles(text: string, values: readonly string[]): string {
  let out = "";
  let from = 0;
  let holes = 0;
  for (let at = text.indexOf(NUL_ESCAPE); at !== -1; at = text.indexOf(NUL_ESCAPE, at + NUL_ESCAPE.length)) {
    // A hole is the whole string "\u0000". Text holding those six characters was rendered "\\u0000", and
    // the escaped backslash before them is no quote.
    if (text[at - 1] !== '"' || text[at + NUL_ESCAPE.length] !== '"') continue;
    if (holes < values.length) {
      out += text.slice(from, at - 1) + values[holes];
      from = at + NUL_ESCAPE.length + 1;
    }
    holes++;
  }
  if (holes !== values.length) throw new Error(`JSON text has ${holes} holes for ${values.length} values`);
  return from === 0 ? text : out + text.slice(from);
}

/**
 * SQL text: the JSON array of a page's rows, each the lateral row aliased `j` as row_to_json writes it, in
 * `orderBy` order (only those `where` keeps), and '[]' for none: the body a list answers as it is.
 */
export const jsonArrayText = (orderBy: SQL, where?: SQL) =>
  sql`coalesce('[' || string_agg(row_to_json(j)::text, ',' ORDER BY ${orderBy})${where ? sql` FILTER (WHERE ${where})` : sql``} || ']', '[]')`;

/**
 * SQL: rendered JSON `text` as it travels to the worker, the base64 of its UTF-8 on one line (readWireJson
 * turns it back). Neon answers every value as a JSON string, so each quote of a page arrived escaped, and the
 * driver's `response.json()` unescaped it character by character: on spec 000's 16 KB page that was ~0.05 ms
 * of the worker's CPU (issue 22). A JSON string with no escape at all is copied whole. So the line breaks
 * `encode` puts every 76 characters go too: each would be an escape, and the page would take the slow path
 * again (measured: they cost the worker ~0.04 ms; removing them costs PostgreSQL ~0.01 ms).
 */
export const wireJson = (text: SQL) => sql`replace(encode(convert_to(${text}, 'UTF8'), 'base64'), E'\\n', '')`;

const utf8 = new TextDecoder();

/** The JSON text of a `wireJson` column. */
export const readWireJson = (base64: string): string => utf8.decode(Uint8Array.fromBase64(base64));

declare global {
  interface Uint8ArrayConstructor {
    /** ES2026 (V8 14, workerd): decodes base64, skipping ASCII white space. Not yet in TypeScript's lib. */
    fromBase64(base64: string): Uint8Array;
  }
}

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
