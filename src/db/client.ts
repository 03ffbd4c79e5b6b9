// The database, over Neon's SQL-over-HTTP endpoint (`neon()`): one HTTP request per statement or per
// non-interactive batch, on connections Neon keeps pooled. No socket lives across requests, so there
// is nothing to open per request or to close after it. Interactive transactions do not exist here:
// multi-statement writes are one `batch([...])` (one BEGIN…COMMIT) or one statement calling the SQL
// functions of drizzle/functions/ (10_idempotency.sql, 30_ledger_post.sql).
import { type NeonQueryFunction, neon, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";

/** drizzle over the driver; `$client` runs statements prepared once per isolate (src/db/prepared.ts). */
export type Database = NeonHttpDatabase & { $client: NeonQueryFunction<false, false> };
/** What ledger and query modules take: the request's database. */
export type Executor = Database;

export type DatabaseEnv = { DATABASE_URL: string; LOCAL_NEON_HTTP_ENDPOINT?: string; LOCAL_NEON_HTTP?: Fetcher };

/** The header the local endpoint counts requests under (scripts/lib/neon-http-endpoint.mjs). Neon never sees it. */
export const LOCAL_TAG_HEADER = "X-Local-Request-Tag";

/** What the driver hands its fetch function, plus the tag a local request's client put in its fetchOptions. */
type LocalInit = RequestInit & { headers: Record<string, string>; localRequestTag?: string };

/**
 * Local development, tests and the bench only: the worker talks to the local endpoint
 * (scripts/lib/neon-http-endpoint.mjs) instead of Neon's, and each request carries its tag in
 * LOCAL_TAG_HEADER. Production leaves the driver's defaults.
 */
export function configureLocalEndpoint({ LOCAL_NEON_HTTP_ENDPOINT: endpoint, LOCAL_NEON_HTTP: binding }: DatabaseEnv) {
  if (!endpoint) return;
  if (neonConfig.fetchEndpoint !== endpoint) neonConfig.fetchEndpoint = endpoint;
  if (localFetch && localBinding === binding) return;
  // Miniflare hands a worker's fetch() to a JS interceptor worker of its own (it adds CF-Worker and strips
  // cf-connecting-ip) before it leaves workerd: a second isolate's work on every database request, which
  // Cloudflare does not do. A service binding to the endpoint's address (`external`) goes straight out.
  const send = binding ? (url: string, init: RequestInit) => binding.fetch(url, init) : fetch;
  localBinding = binding;
  localFetch = (url: string, { localRequestTag, ...init }: LocalInit) =>
    send(url, localRequestTag ? { ...init, headers: { ...init.headers, [LOCAL_TAG_HEADER]: localRequestTag } } : init);
  neonConfig.fetchFunction = localFetch;
}
let localBinding: Fetcher | undefined;
let localFetch: ((url: string, init: LocalInit) => Promise<Response>) | undefined;

/**
 * Untagged clients, one per connection string for the isolate's life: an HTTP client holds no
 * connection or request state, so production builds it once rather than per request.
 */
const shared = new Map<string, Database>();

export function createDatabase(env: DatabaseEnv, tag?: string): Database {
  configureLocalEndpoint(env);
  // No `schema` here: the app uses no relational queries, and passing it rebuilds their config per call.
  // Locally, a tagged request gets a client of its own whose fetch options carry the tag.
  if (env.LOCAL_NEON_HTTP_ENDPOINT && tag) {
    return drizzle({ client: neon(env.DATABASE_URL, { fetchOptions: { localRequestTag: tag } }) });
  }
  let db = shared.get(env.DATABASE_URL);
  if (!db) {
    db = drizzle({ client: neon(env.DATABASE_URL) });
    shared.set(env.DATABASE_URL, db);
  }
  return db;
}
