// One Neon Pool per request (Workers cannot share sockets across requests); closed in waitUntil.
import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";

export type Database = ReturnType<typeof drizzle>;

let proxyConfigured = false;

function configureLocalProxy(proxy: string | undefined) {
  if (!proxy || proxyConfigured) return;
  // Plain ws:// to the local proxy; pipelining assumes Neon's cleartext-password flow, so it is off.
  neonConfig.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  proxyConfigured = true;
}

export function createDatabase(env: { DATABASE_URL: string; LOCAL_WS_PROXY?: string }) {
  configureLocalProxy(env.LOCAL_WS_PROXY);
  const pool = new Pool({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: 5_000, max: 2 });
  // An idle client losing its socket must not crash the isolate; the query that needed it reports it.
  pool.on("error", () => {});
  // No `schema` here: the app uses no relational queries, and passing it rebuilds their config per request.
  return { pool, db: drizzle({ client: pool }) };
}
