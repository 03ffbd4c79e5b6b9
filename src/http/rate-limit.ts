// Per-credential rate limits on the Workers Rate Limiting binding.
//
// Cloudflare fixes a limiter binding's limit and period (10 or 60 s) in wrangler.toml, and `limit({key})`
// only answers `{success}`. So the limits are set in vars that NAME a limit ("1200/60s"), and each such
// limit is one `[[ratelimits]]` binding called RATE_LIMIT_<N>_PER_<P>S; changing a limit means pointing
// the var at another binding (adding its four lines to wrangler.toml when it is new). A var naming no
// binding is a configuration error: the request answers 500 and the log says which var.
//
// Counting is Cloudflare's: per location and approximate (README, "Rate limits"). The middleware runs
// after the credential is authenticated and before the handler, so a refused request posts nothing and
// the answers decided from KV alone count like every other.
import type { Context, MiddlewareHandler } from "hono";
import type { ApiKeyEnv } from "../auth/api-key-middleware";
import type { OAuthEnv } from "../auth/oauth";
import type { MemberEnv } from "../auth/workspace-token-middleware";
import type { AppEnv, Bindings, LimiterBindingName } from "../env";
import { AppError } from "../lib/errors";

/** Reads and money writes of one customer credential; `service`: the admin token and each upstream. */
export const RATE_LIMIT_VARS = {
  read: "RATE_LIMIT_READS",
  money: "RATE_LIMIT_MONEY_WRITES",
  service: "RATE_LIMIT_SERVICE",
} as const satisfies Record<string, keyof Bindings>;

export type RateLimitClass = keyof typeof RATE_LIMIT_VARS;

export type Limiter = { binding: RateLimit; limit: number; period: 10 | 60 };

const LIMIT_SPEC = /^([1-9]\d{0,8})\/(10|60)s$/;

export const limiterBindingName = (limit: number, period: 10 | 60): LimiterBindingName =>
  `RATE_LIMIT_${limit}_PER_${period}S`;

/**
 * Turns a class's counting off: for load tests on this machine only (the bench), where Miniflare's
 * simulation of the binding costs a loopback round trip per call, while Cloudflare counts in the
 * location. Never set in wrangler.toml.
 */
export const UNLIMITED = "off";

/** The limiter a class's var names, null when it is UNLIMITED, or the configuration problem. */
export function limiterFor(env: Bindings, cls: RateLimitClass): Limiter | string | null {
  const name = RATE_LIMIT_VARS[cls];
  if (env[name] === UNLIMITED) return null;
  const spec = LIMIT_SPEC.exec(env[name] ?? "");
  if (!spec) return `${name} must be "<limit>/60s" or "<limit>/10s", got ${JSON.stringify(env[name])}`;
  const limit = Number(spec[1]);
  const period = spec[2] === "10" ? 10 : 60;
  const binding = env[limiterBindingName(limit, period)];
  if (!binding) return `${name}=${env[name]} names no [[ratelimits]] binding ${limiterBindingName(limit, period)}`;
  return { binding, limit, period };
}

/** The counter of one credential in one class (classes may share a binding; their counters never mix). */
export const rateLimitKey = (cls: RateLimitClass, credential: string) => `${cls}|${credential}`;

/** Credential names, one per kind of credential. */
export const credentials = {
  apiKey: (id: string) => `api-key:${id}`,
  member: (id: string) => `member:${id}`,
  oauthClient: (uuid: string) => `oauth-client:${uuid}`,
  /** The token endpoint, before the client is authenticated: the client_id presented. */
  oauthClientId: (clientId: string) => `oauth-client-id:${clientId}`,
  admin: () => "admin-token",
  upstream: (name: string) => `upstream:${name}`,
};

/**
 * Counts one request of `credential` in `cls`; over the limit: 429 in the surface's shape with
 * Retry-After (the whole period: Cloudflare does not say when its window turns). A limiter that fails
 * lets the request through, logged: an outage of the counter must not stop payments.
 */
export async function countRequest<E extends AppEnv>(c: Context<E>, cls: RateLimitClass, credential: string) {
  const limiter = limiterFor(c.env, cls);
  if (limiter === null) return;
  if (typeof limiter === "string") throw new Error(`rate limit configuration: ${limiter}`);
  let allowed: boolean;
  try {
    allowed = (await limiter.binding.limit({ key: rateLimitKey(cls, credential) })).success;
  } catch (err) {
    console.error(JSON.stringify({ requestId: c.get("requestId"), rateLimiter: cls, failedOpen: String(err) }));
    return;
  }
  if (allowed) return;
  c.header("Retry-After", String(limiter.period));
  throw new AppError(
    "rate_limited",
    `Rate limit exceeded: at most ${limiter.limit} ${cls === "money" ? "money writes" : "requests"} ` +
      `per ${limiter.period} seconds for this credential; retry after ${limiter.period} seconds`,
  );
}

/** Middleware counting against the credential an earlier middleware authenticated. */
export function rateLimit<E extends AppEnv>(
  cls: RateLimitClass,
  credentialOf: (c: Context<E>) => string,
): MiddlewareHandler<E> {
  return async (c, next) => {
    await countRequest(c, cls, credentialOf(c));
    await next();
  };
}

/** After requireApiKey (specs 000, 001, 002): one budget per API key across the three surfaces. */
export const perApiKey = (cls: RateLimitClass) =>
  rateLimit<ApiKeyEnv>(cls, (c) => credentials.apiKey(c.get("apiKey").id));

/** After requireMember (spec 003): one budget per member, whichever of their tokens or links is used. */
export const perMember = (cls: RateLimitClass) =>
  rateLimit<MemberEnv>(cls, (c) => credentials.member(c.get("member").id));

/** After requireOAuth (spec 004). */
export const perOAuthClient = (cls: RateLimitClass) =>
  rateLimit<OAuthEnv>(cls, (c) => credentials.oauthClient(c.get("oauth").clientUuid));

/** After requireAdmin: the admin token is one credential for the whole back office. */
export const perAdminToken = rateLimit<AppEnv>("service", () => credentials.admin());
