// A page body PostgreSQL rendered as JSON text, answered as it came: no parse into objects and no
// serialisation back (issue 22: on a 100-row page those were a fifth of the worker's CPU). The query
// module that renders the text owns its exact shape and key order; the route tests compare these
// bodies byte for byte, and callRoute (test/route-call.ts) parses them with the route's response schema.
import type { Context, TypedResponse } from "hono";
import type { JSONParsed, JSONValue } from "hono/utils/types";

/** A 200 answering `text` as `application/json` (the header `c.json` sets), typed as the route's JSON answer `T`. */
export function jsonText<T extends JSONValue>(
  c: Context,
  text: string,
): Response & TypedResponse<JSONParsed<T>, 200, "json">;
// The overload states the answer's type: Hono types a JSON answer only from an object it serialises, and
// here there is none. Nothing checks the text against T but the tests named above.
export function jsonText(c: Context, text: string): Response {
  return c.body(text, 200, { "Content-Type": "application/json" });
}
