// The back office is a client of the admin API: every page and form calls the /admin/v1 routes
// in-process (no network) with the signed-in operator's credential (their token, or their Cloudflare
// Access assertion; the bootstrap token for a bootstrap session), so the portal has no SQL and no rules
// of its own, and the audit trail names the operator. A call names the route object itself (from
// src/apis/admin/<resource>/routes.ts): its input and its answer are typed from the route's schemas,
// and the answer is parsed with the route's own response schema, so a drift fails loudly.
import { type RouteConfig, z } from "@hono/zod-openapi";
import type { Context, ExecutionContext } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv, Bindings } from "../env";

type C = Context<AppEnv>;

export type Dispatch = (request: Request, env: Bindings, ctx: ExecutionContext) => Response | Promise<Response>;

/** What the client reads of a route: createRoute's (adminRoute's) result. */
export type AdminRoute = RouteConfig;

// ---------- input: z.input of the route's request schemas ----------

/**
 * A request value as the portal sends it: the route's input type with its string literals (enums) taken
 * as text, and a field that may be undefined left out at will. The portal forwards what the operator
 * chose or typed and the route's schema judges it, so a refusal reads as the admin API words it (one
 * validator); field names, nesting and required fields stay the route's.
 */
type Sent<T> = T extends string
  ? string
  : T extends readonly (infer E)[]
    ? Sent<E>[]
    : T extends Date | ReadableStream
      ? T
      : T extends object
        ? Flat<
            { [K in keyof T as undefined extends T[K] ? K : never]?: Sent<T[K]> } & {
              [K in keyof T as undefined extends T[K] ? never : K]: Sent<T[K]>;
            }
          >
        : T;
type Flat<T> = { [K in keyof T]: T[K] };

/** `{ [key]: value }`, optional when every field of the value is. */
type Slot<Key extends string, V> = Record<string, never> extends V ? { [K in Key]?: V } : { [K in Key]: V };
type Part<Key extends string, S> = S extends z.ZodType ? Slot<Key, Sent<z.input<S>>> : { [K in Key]?: never };

type Request_<R> = R extends { request: infer Q } ? Q : Record<never, never>;
type Field<R, K extends string> = Request_<R> extends { [P in K]: infer S } ? S : undefined;

/** The request body: `json` for a JSON route (optional when the route says `required: false`), `body` otherwise. */
type BodyPart<B> = B extends { content: { "application/json": { schema: infer S } } }
  ? B extends { required: false }
    ? { json?: Sent<z.input<S & z.ZodType>>; body?: never }
    : { json: Sent<z.input<S & z.ZodType>>; body?: never }
  : B extends { content: object }
    ? { body: ReadableStream<Uint8Array> | string; json?: never }
    : { json?: never; body?: never };

/** A route's input: its path parameters, query, headers and body, each typed from the route. */
export type AdminInput<R> = Part<"params", Field<R, "params">> &
  Part<"query", Field<R, "query">> &
  Part<"headers", Field<R, "headers">> &
  BodyPart<Field<R, "body">>;

/** The input argument: optional when the route needs nothing. */
type InputArg<R> = Record<string, never> extends AdminInput<R> ? [input?: AdminInput<R>] : [input: AdminInput<R>];

// ---------- answer: z.output of the route's documented success response ----------

type SuccessCode = 200 | 201 | 202 | 204;
type Responses<R> = R extends { responses: infer X } ? X : never;
type JsonOutput<D> = D extends { content: { "application/json": { schema: infer S extends z.ZodType } } }
  ? z.output<S>
  : undefined;

/** One success per documented 2xx status, its body that status's JSON schema's output (undefined without one). */
export type AdminSuccess<R> = {
  [K in keyof Responses<R> & SuccessCode]: { ok: true; status: K; body: JsonOutput<Responses<R>[K]> };
}[keyof Responses<R> & SuccessCode];

export type AdminFailure = { ok: false; status: ContentfulStatusCode; message: string };

export type AdminAnswer<R> = AdminSuccess<R> | AdminFailure;

// ---------- runtime ----------

/** What the implementation reads of an input: the typed AdminInput of any route is one of these. */
type LooseInput = {
  params?: Record<string, string>;
  query?: Record<string, string | readonly string[] | undefined>;
  headers?: Record<string, string | undefined>;
  json?: unknown;
  body?: ReadableStream<Uint8Array> | string;
};

/**
 * The route's path under /admin/v1 with its `{name}` parameters filled in, URL-encoded. A parameter the
 * path does not name, or one it names and was not given, is a programming error: it throws.
 */
export function adminPath(route: AdminRoute, params: Record<string, string> = {}): string {
  const used = new Set<string>();
  const path = route.path.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    used.add(name);
    return encodeURIComponent(value);
  });
  const missing = path.match(/\{[^}]+\}/g);
  if (missing) throw new Error(`admin route ${route.path}: no value for ${missing.join(", ")}`);
  const extra = Object.keys(params).filter((name) => !used.has(name));
  if (extra.length) throw new Error(`admin route ${route.path}: no {${extra.join("}, {")}} in its path`);
  return path;
}

const ErrorEnvelope = z.object({ error: z.object({ message: z.string() }) });

const CONTENTLESS = new Set([101, 204, 205, 304]);
const isContentful = (status: number): status is ContentfulStatusCode =>
  status >= 100 && status <= 599 && !CONTENTLESS.has(status);

/** An admin error answer as the portal shows it: its status and the envelope's message. */
export async function adminError(res: Response): Promise<AdminFailure> {
  const envelope = ErrorEnvelope.safeParse(await res.json().catch(() => null));
  return {
    ok: false,
    // An error answer always has a body (the admin envelope); a status without one would be a bug upstream.
    status: isContentful(res.status) ? res.status : 502,
    message: envelope.success ? envelope.data.error.message : `admin API answered ${res.status}`,
  };
}

/** The JSON schema a route documents for `status`, null when it documents none (no body, or not JSON). */
function successSchema(route: AdminRoute, status: number): z.ZodType | null {
  const documented = route.responses[String(status)];
  if (documented === undefined) {
    throw new Error(`admin route ${route.method.toUpperCase()} ${route.path} answered ${status}, not documented`);
  }
  const media = "content" in documented ? documented.content?.["application/json"] : undefined;
  const schema = media && "schema" in media ? media.schema : undefined;
  return schema instanceof z.ZodType ? schema : null;
}

/** Calls one admin route; a success body is parsed with the route's schema for its status. */
export function callAdmin<R extends AdminRoute>(
  c: C,
  dispatch: Dispatch,
  route: R,
  ...input: InputArg<R>
): Promise<AdminAnswer<R>>;
export async function callAdmin(
  c: C,
  dispatch: Dispatch,
  route: AdminRoute,
  input: LooseInput = {},
): Promise<AdminFailure | { ok: true; status: number; body: unknown }> {
  const res = await send(c, dispatch, route, input);
  if (res.status >= 400) return adminError(res);
  const schema = successSchema(route, res.status);
  if (schema === null) {
    await res.body?.cancel();
    return { ok: true, status: res.status, body: undefined };
  }
  return { ok: true, status: res.status, body: schema.parse(await res.json()) };
}

/** The raw answer of one admin route (for bodies passed through as they are, such as the CSV export). */
export function adminResponse<R extends AdminRoute>(
  c: C,
  dispatch: Dispatch,
  route: R,
  ...input: InputArg<R>
): Promise<Response>;
export function adminResponse(c: C, dispatch: Dispatch, route: AdminRoute, input: LooseInput = {}): Promise<Response> {
  return send(c, dispatch, route, input);
}

/** One request to the route, built from its method and path. */
async function send(
  c: C,
  dispatch: Dispatch,
  route: AdminRoute,
  { params, query = {}, headers = {}, json, body }: LooseInput,
): Promise<Response> {
  const url = new URL(`/admin/v1${adminPath(route, params)}`, c.req.url);
  for (const [name, value] of Object.entries(query)) {
    for (const one of typeof value === "string" ? [value] : (value ?? [])) url.searchParams.append(name, one);
  }
  const sent = Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined);
  // A raw body goes with the media type the route documents (text/csv for the report import).
  const rawType = body === undefined ? undefined : Object.keys(route.request?.body?.content ?? {})[0];
  const request = new Request(url, {
    method: route.method.toUpperCase(),
    headers: {
      ...(c.get("adminAuth") ?? { authorization: `Bearer ${c.env.ADMIN_TOKEN}` }),
      ...(json === undefined ? {} : { "content-type": "application/json" }),
      ...(rawType === undefined ? {} : { "content-type": rawType }),
      ...Object.fromEntries(sent),
    },
    body: json === undefined ? body : JSON.stringify(json),
  });
  return dispatch(request, c.env, c.executionCtx);
}

/** The admin calls bound to one dispatcher: what the portal's pages hold. */
export function adminClient(dispatch: Dispatch) {
  return {
    call: <R extends AdminRoute>(c: C, route: R, ...input: InputArg<R>) => callAdmin(c, dispatch, route, ...input),
    raw: <R extends AdminRoute>(c: C, route: R, ...input: InputArg<R>) => adminResponse(c, dispatch, route, ...input),
  };
}

export type AdminClient = ReturnType<typeof adminClient>;
