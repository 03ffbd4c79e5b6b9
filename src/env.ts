import type { Database } from "./db/client";

/** A `[[ratelimits]]` binding of wrangler.toml: its limit and period are in its name (src/http/rate-limit.ts). */
export type LimiterBindingName = `RATE_LIMIT_${number}_PER_${10 | 60}S`;

/** Worker bindings: vars from wrangler.toml, secrets from `wrangler secret put`. */
export type Bindings = {
  [binding: LimiterBindingName]: RateLimit | undefined;
  /** Per-credential limit of reads, e.g. "1200/60s": names the limiter binding RATE_LIMIT_1200_PER_60S. */
  RATE_LIMIT_READS?: string;
  /** Per-credential limit of money writes (requests that can move money). */
  RATE_LIMIT_MONEY_WRITES?: string;
  /** Limit of each service credential (the admin token, each webhook upstream), all its requests. */
  RATE_LIMIT_SERVICE?: string;
  EDGE_KV: KVNamespace;
  /** Workers Static Assets (public/): served before the Worker runs; the binding lets code and tests reach them. */
  ASSETS: Fetcher;
  /** Receipt files of workspace SMS payments (spec 003). */
  RECEIPTS: R2Bucket;
  /** Outbound merchant webhooks (spec 004), delivered with retries by the queue consumer. */
  WEBHOOK_QUEUE: Queue<unknown>;
  /** Counts wrong admin tokens at the back office's sign-in, per client address. */
  PORTAL_SIGNIN_LIMITER: RateLimit;
  DATABASE_URL: string;
  ADMIN_TOKEN: string;
  /** "false" turns the bootstrap ADMIN_TOKEN off (production, once operators exist). */
  ADMIN_TOKEN_ENABLED?: string;
  /**
   * Adjustments at or above this absolute amount wait for a second operator: "1000" for every currency,
   * or per currency with a default, e.g. "EUR=5000,JPY=500000,*=1000".
   */
  ADJUSTMENT_APPROVAL_THRESHOLD?: string;
  /** Days an upstream's credit may wait in its clearing account before health reports it stuck (default 3). */
  SETTLEMENT_WINDOW_DAYS_SMS_GATEWAY?: string;
  SETTLEMENT_WINDOW_DAYS_MOBILE_MONEY?: string;
  SETTLEMENT_WINDOW_DAYS_CRYPTO?: string;
  /** Cloudflare Access: the team domain (https://<team>.cloudflareaccess.com) and the application's AUD tag. */
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
  /** Least seconds between two fetches of the Access JWKS for an unknown kid (default 30). */
  ACCESS_JWKS_COOLDOWN_SECONDS?: string;
  SMS_GATEWAY_WEBHOOK_SECRET: string;
  MOBILE_MONEY_WEBHOOK_SECRET: string;
  CRYPTO_WEBHOOK_SECRET: string;
  /** HMAC key signing workspace member tokens (spec 003). */
  WORKSPACE_TOKEN_SECRET: string;
  /** HMAC key signing OAuth access tokens (spec 004). */
  OAUTH_TOKEN_SECRET: string;
  /** SMS gateway health URL probed by the scheduled monitor (issue 7). */
  SMS_GATEWAY_HEALTH_URL?: string;
  /** Seconds after which a monitor-written gateway state counts as unknown (default 600). */
  GATEWAY_STATUS_MAX_AGE_SECONDS?: string;
  /** Seconds without any gateway event after which a healthy gateway counts as partial (default 900). */
  SMS_GATEWAY_STALE_EVENTS_SECONDS?: string;
  KEY_CACHE_TTL_SECONDS?: string;
  /**
   * "true" on the local stack only (scripts/local-defaults.vars: npm run dev, the tests, the bench), never
   * in production: merchant callback URLs may then name `localhost`.
   */
  LOCAL_DEVELOPMENT?: string;
  /** Local development, tests and bench only: the local Neon SQL-over-HTTP endpoint (…/sql). */
  LOCAL_NEON_HTTP_ENDPOINT?: string;
  /**
   * Tests and bench only: a Miniflare service binding to that endpoint's address (src/db/client.ts says
   * why the driver then fetches through it).
   */
  LOCAL_NEON_HTTP?: Fetcher;
};

/** Per-request services, built once in middleware and read from `c.var`. */
export type Variables = {
  requestId: string;
  db?: Database;
  /** The back office's credential for its in-process admin calls (the signed-in operator's). */
  adminAuth?: Record<string, string>;
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
