import type { createDatabase } from "./db/client";

/** Worker bindings: vars from wrangler.toml, secrets from `wrangler secret put`. */
export type Bindings = {
  EDGE_KV: KVNamespace;
  DATABASE_URL: string;
  ADMIN_TOKEN: string;
  SMS_GATEWAY_WEBHOOK_SECRET: string;
  MOBILE_MONEY_WEBHOOK_SECRET: string;
  KEY_CACHE_TTL_SECONDS?: string;
  /** Local development and tests only: host:port of the WebSocket-to-TCP proxy in front of Postgres. */
  LOCAL_WS_PROXY?: string;
};

/** Per-request services, built once in middleware and read from `c.var`. */
export type Variables = {
  requestId: string;
  dbHandle?: ReturnType<typeof createDatabase>;
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
