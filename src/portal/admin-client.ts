// The back office is a client of the admin API: every page and form calls the /admin/v1 routes
// in-process (no network) with the signed-in operator's credential (their token, or their Cloudflare
// Access assertion; the bootstrap token for a bootstrap session), so the portal has no SQL and no rules
// of its own, and the audit trail names the operator.
import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv, Bindings } from "../env";

export type Dispatch = (request: Request, env: Bindings, ctx: ExecutionContext) => Response | Promise<Response>;

export type AdminAnswer<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: ContentfulStatusCode; message: string };

type Body<T extends z.ZodType | null> = T extends z.ZodType ? z.infer<T> : undefined;

export type CallOptions = {
  json?: unknown;
  headers?: Record<string, string>;
  /** A raw body (a streamed upload), sent with its own content-type header. */
  body?: ReadableStream<Uint8Array>;
};

/** Calls one admin route; a JSON answer is checked against `schema`, an error answer gives its message. */
export async function callAdmin<T extends z.ZodType | null>(
  c: Context<AppEnv>,
  dispatch: Dispatch,
  method: string,
  path: string,
  schema: T,
  options: CallOptions = {},
): Promise<AdminAnswer<Body<T>>> {
  const res = await adminResponse(c, dispatch, method, path, options);
  if (res.status >= 400) return adminError(res);
  if (schema === null) {
    await res.body?.cancel();
    return { ok: true, status: res.status, body: undefined as Body<T> };
  }
  return { ok: true, status: res.status, body: schema.parse(await res.json()) as Body<T> };
}

/** An admin error answer as the portal shows it: its status and the envelope's message. */
export async function adminError(res: Response): Promise<{ ok: false; status: ContentfulStatusCode; message: string }> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  // An error answer always has a body (the admin envelope), so its status is a contentful one.
  return {
    ok: false,
    status: res.status as ContentfulStatusCode,
    message: body?.error?.message ?? `admin API answered ${res.status}`,
  };
}

/** The raw answer of one admin route (for bodies passed through as they are, such as the CSV export). */
export function adminResponse(
  c: Context<AppEnv>,
  dispatch: Dispatch,
  method: string,
  path: string,
  { json, headers = {}, body }: CallOptions = {},
) {
  const url = new URL(`/admin/v1${path}`, c.req.url);
  const request = new Request(url, {
    method,
    headers: {
      ...(c.get("adminAuth") ?? { authorization: `Bearer ${c.env.ADMIN_TOKEN}` }),
      ...(json === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: json === undefined ? body : JSON.stringify(json),
  });
  return dispatch(request, c.env, c.executionCtx as ExecutionContext);
}
