// Every API surface is an OpenAPIHono router with one error envelope of its own: the zod validation
// hook and the app's error handler (src/app.ts, by path prefix) both go through that surface's renderer.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../env";
import { AppError, toAppError } from "../lib/errors";
import { describeIssues } from "./params";

/** Retry-After on a 503: a lost connection or a restarting compute is back within seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = "5";

export type ErrorRenderer = (err: AppError, requestId: string) => unknown;

export function renderError<E extends AppEnv>(c: Context<E>, err: unknown, render: ErrorRenderer) {
  const appError = toAppError(err);
  const requestId = c.get("requestId") ?? "unknown";
  if (appError.kind === "internal" || appError.kind === "unavailable") {
    const cause = (err as { cause?: unknown })?.cause;
    console.error(
      JSON.stringify({
        requestId,
        path: c.req.path,
        kind: appError.kind,
        error: String(err).slice(0, 500),
        cause: cause ? String(cause) : undefined,
        stack: appError.kind === "internal" ? (err as Error)?.stack : undefined,
      }),
    );
  }
  if ((appError as { replayed?: boolean }).replayed) c.header("Idempotent-Replayed", "true");
  // The database could not answer (src/lib/errors.ts isDatabaseUnavailable): the same request may succeed soon.
  if (appError.kind === "unavailable") c.header("Retry-After", DATABASE_RETRY_AFTER_SECONDS);
  return c.json(render(appError, requestId) as object, appError.status as ContentfulStatusCode);
}

/**
 * A surface's router. `E` names the variables its own `use()` middleware sets (e.g. spec 000's gateway
 * state); what a route's auth middleware sets (`apiKey`, `member`, `oauth`...) comes from that route's
 * `middleware: [...] as const`, so `c.get(...)` is typed in every handler and a route without its guard
 * does not compile.
 */
export function createSurface<E extends AppEnv = AppEnv>(render: ErrorRenderer) {
  const app = new OpenAPIHono<E>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const { message, details } = describeIssues(result.error);
        return renderError(c, new AppError("bad_request", message, details), render);
      }
    },
  });
  // No onError here: the app's own (src/app.ts) renders every error in the shape of the surface whose
  // prefix the path is under. A router's onError would make Hono wrap each of its handlers and
  // middleware in a compose of its own, on every request.
  return Object.assign(app, { errorRenderer: render });
}

/**
 * A route's middleware (its guard, then the guard's budget...) as a tuple, for a list made outside
 * createRoute (a shared base, a helper): the handler's context then carries what each one sets. Written
 * inside createRoute, `middleware: [...] as const` does the same.
 */
// biome-ignore lint/suspicious/noExplicitAny: only the bound: it must admit each guard's own env, path and input types, which M then keeps exactly (any narrower bound erases them, and handlers lose `c.get("apiKey")`)
export const routeMiddleware = <M extends MiddlewareHandler<any, any, any>[]>(...middleware: M): M => middleware;

/** Any surface, whatever its variables (what app.ts mounts). */
// biome-ignore lint/suspicious/noExplicitAny: a router is invariant in its env (its hooks take a Context of it), so routers with variables of their own (spec 000's gateway) share no narrower type; mounting reads no variable
export type Surface = OpenAPIHono<any> & { errorRenderer: ErrorRenderer };
