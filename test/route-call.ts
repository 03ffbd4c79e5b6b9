// A request to a route object of src/apis/*/routes.ts, typed both ways: the input by the route's request
// schemas, the answer's JSON by the response schema the route documents for each status (issue 23, item 6).

import { SELF } from "cloudflare:test";
import type { RouteConfig, z } from "@hono/zod-openapi";
import { documentedPath, jsonSchemaOf } from "./documented-answers";

/** A route this suite can call: a createRoute/adminRoute result, named by its operationId. */
export type CallableRoute = RouteConfig & { operationId: string };

type SchemaPart<R extends CallableRoute, Part extends string> =
  R["request"] extends Record<Part, infer S> ? (S extends z.ZodType ? z.input<S> : never) : never;
type JsonBodyInput<R extends CallableRoute> = R["request"] extends {
  body: { content: { "application/json": { schema: infer S extends z.ZodType } } };
}
  ? z.input<S>
  : never;
/**
 * Only the parts the route declares: `params`, `query` (every field optional, as on the wire) and `json`
 * (optional where the route's body is).
 */
type Part<Name extends string, T, Optional extends boolean> = [T] extends [never]
  ? { [K in Name]?: never }
  : Optional extends true
    ? { [K in Name]?: T }
    : { [K in Name]: T };

/** The input of a route, as its request schemas take it (z.input). */
export type RouteInput<R extends CallableRoute> = Part<"params", SchemaPart<R, "params">, false> &
  Part<"query", Partial<SchemaPart<R, "query">>, true> &
  Part<"json", JsonBodyInput<R>, R["request"] extends { body: { required: false } } ? true : false>;

/**
 * An input outside the route's schemas, sent as given, to test refusals: path segments are inserted
 * verbatim (not encoded), the query is a ready string or a record, the body any value (a string as is; a
 * FormData or bytes as is, with the caller's content-type).
 */
export type UncheckedInput = {
  params?: Record<string, string>;
  query?: string | Record<string, string>;
  body?: unknown;
};

type JsonOf<Response> = Response extends { content: { "application/json": { schema: infer S extends z.ZodType } } }
  ? z.output<S>
  : undefined;
/** A status key as a number: spread response maps (adminErrors) keep their keys as strings ("400"). */
type AsStatus<K> = K extends number ? K : K extends `${infer N extends number}` ? N : never;
type Statuses<R extends CallableRoute> = AsStatus<keyof R["responses"]>;
type ResponseAt<R extends CallableRoute, S extends number> = S extends keyof R["responses"]
  ? R["responses"][S]
  : `${S}` extends keyof R["responses"]
    ? R["responses"][`${S}`]
    : never;
/** One documented status with the JSON its route documents for it. */
type AnswerAt<R extends CallableRoute, S extends Statuses<R>> = {
  status: S;
  headers: Headers;
  text: string;
  json: JsonOf<ResponseAt<R, S>>;
};
/** Any documented answer of the route: a union discriminated by `status`. */
export type RouteAnswer<R extends CallableRoute> = { [S in Statuses<R>]: AnswerAt<R, S> }[Statuses<R>];

/** A documented answer of `route`: a documented status, with JSON its schema for that status accepts. */
function isAnswerOf<R extends CallableRoute>(
  route: R,
  answer: { status: number; headers: Headers; text: string; json: unknown },
): answer is RouteAnswer<R> {
  if (!Object.hasOwn(route.responses, String(answer.status))) return false;
  const schema = jsonSchemaOf(route.responses[answer.status]);
  return schema ? schema.safeParse(answer.json).success : answer.json === undefined;
}

const queryString = (query: UncheckedInput["query"] | Record<string, unknown>) => {
  if (query === undefined) return "";
  if (typeof query === "string") return query;
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) search.append(name, String(one));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
};

/**
 * Sends the request and checks the answer against the route: the JSON is parsed with the schema the route
 * documents for the status, and the raw value is kept (no field the schema does not list is stripped away).
 */
async function send<R extends CallableRoute>(
  route: R,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<RouteAnswer<R>> {
  const method = route.method.toUpperCase();
  const sent: Record<string, string> = { ...headers };
  let payload: string | FormData | Uint8Array | undefined;
  if (body instanceof FormData || body instanceof Uint8Array) payload = body;
  else if (body !== undefined) {
    payload = typeof body === "string" ? body : JSON.stringify(body);
    sent["content-type"] ??= "application/json";
  }
  const res = await SELF.fetch(`https://api.test${path}`, { method, headers: sent, body: payload });
  const text = await res.text();
  const schema = jsonSchemaOf(route.responses[res.status]);
  let json: unknown;
  if (schema)
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
  const answer = { status: res.status, headers: res.headers, text, json };
  if (isAnswerOf(route, answer)) return answer;
  const why = !Object.hasOwn(route.responses, String(res.status))
    ? "an undocumented status"
    : JSON.stringify(schema?.safeParse(json).error?.issues.slice(0, 5));
  throw new Error(`${method} ${path} (${route.operationId}) answered ${res.status}, ${why}: ${text.slice(0, 300)}`);
}

/** The route's full path with `params` in place (`encode`: typed values are encoded, unchecked ones are not). */
function pathOf(route: CallableRoute, params: Record<string, unknown> | undefined, encode: boolean) {
  return documentedPath(route.operationId).replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`${route.operationId}: no value for path parameter ${name}`);
    return encode ? encodeURIComponent(String(value)) : String(value);
  });
}

/** One request to `route` with an input its schemas accept; the answer's JSON is typed per status. */
export function callRoute<R extends CallableRoute>(
  route: R,
  input: RouteInput<R>,
  headers: Record<string, string> = {},
): Promise<RouteAnswer<R>> {
  const path = pathOf(route, input.params, true) + queryString(input.query);
  return send(route, path, input.json, headers);
}

/** One request to `route` with an input sent as given (a refusal test); the answer is typed as callRoute's. */
export function callRouteUnchecked<R extends CallableRoute>(
  route: R,
  input: UncheckedInput,
  headers: Record<string, string> = {},
): Promise<RouteAnswer<R>> {
  return send(route, pathOf(route, input.params, false) + queryString(input.query), input.body, headers);
}

/** Narrows an answer to one status (TypeScript does not narrow a generic union by its discriminant). */
export function hasStatus<R extends CallableRoute, S extends Statuses<R>>(
  answer: RouteAnswer<R>,
  status: S,
): answer is RouteAnswer<R> & AnswerAt<R, S> {
  return answer.status === status;
}

/**
 * Fails the test unless the answer has `status` (with the status and body it got), and narrows `answer` to
 * that status: the statement `expect(res.status).toBe(201)` was, with `res.json` typed after it.
 */
export function assertStatus<R extends CallableRoute, S extends Statuses<R>>(
  answer: RouteAnswer<R>,
  status: S,
): asserts answer is RouteAnswer<R> & AnswerAt<R, S> {
  if (!hasStatus(answer, status)) throw new Error(`expected ${status}, got ${answer.status}: ${answer.text}`);
}

/** The answer's JSON if it has `status`; otherwise the test fails with the status and body it got. */
export function expectStatus<R extends CallableRoute, S extends Statuses<R>>(
  answer: RouteAnswer<R>,
  status: S,
): AnswerAt<R, S>["json"] {
  if (!hasStatus(answer, status)) throw new Error(`expected ${status}, got ${answer.status}: ${answer.text}`);
  return answer.json;
}
