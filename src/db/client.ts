// The database, over Neon's SQL-over-HTTP endpoint (`neon()`): one HTTP request per statement or per
// non-interactive batch, on connections Neon keeps pooled. No socket lives across requests, so there
// is nothing to open per request or to close after it. Interactive transactions do not exist here:
// multi-statement writes are one `batch([...])` (one BEGIN…COMMIT) or one statement calling the SQL
// functions of drizzle/0006_ledger_functions.sql.
import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";

export type Database = NeonHttpDatabase;
/** What ledger and query modules take: the request's database. */
export type Executor = Database;

export type DatabaseEnv = { DATABASE_URL: string; LOCAL_NEON_HTTP_ENDPOINT?: string; LOCAL_NEON_HTTP?: Fetcher };

/**
 * Local development, tests and the bench only: the worker talks to the local endpoint
 * (scripts/lib/neon-http-endpoint.mjs) instead of Neon's. Production leaves the driver's default.
 */
function configureLocalEndpoint({ LOCAL_NEON_HTTP_ENDPOINT: endpoint, LOCAL_NEON_HTTP: binding }: DatabaseEnv) {
  if (endpoint && neonConfig.fetchEndpoint !== endpoint) neonConfig.fetchEndpoint = endpoint;
  // Miniflare hands a worker's fetch() to a JS interceptor worker of its own (it adds CF-Worker and strips
  // cf-connecting-ip) before it leaves workerd: a second isolate's work on every database request, which
  // Cloudflare does not do. A service binding to the endpoint's address (`external`) goes straight out.
  if (binding && localBinding !== binding) {
    localBinding = binding;
    neonConfig.fetchFunction = (url: string, init: RequestInit) => binding.fetch(url, init);
  }
}
let localBinding: Fetcher | undefined;

/**
 * Locally the request id rides in the connection string's application_name, so the local endpoint can
 * count database requests per API request (tests assert those counts).
 */
function connectionString(env: DatabaseEnv, tag: string | undefined) {
  if (!env.LOCAL_NEON_HTTP_ENDPOINT || !tag) return env.DATABASE_URL;
  return taggedPrefix(env.DATABASE_URL) + encodeURIComponent(tag);
}

/** `DATABASE_URL` up to the tag's value, parsed once per isolate (a URL parse per request is measurable). */
let tagged: { base: string; prefix: string } | undefined;
function taggedPrefix(base: string) {
  if (tagged?.base !== base) {
    const url = new URL(base);
    url.searchParams.delete("application_name");
    tagged = { base, prefix: `${url.toString()}${url.search ? "&" : "?"}application_name=` };
  }
  return tagged.prefix;
}

/**
 * Untagged clients, one per connection string for the isolate's life: an HTTP client holds no
 * connection or request state, so production builds it once rather than per request.
 */
const shared = new Map<string, Database>();

export function createDatabase(env: DatabaseEnv, tag?: string): Database {
  configureLocalEndpoint(env);
  const url = connectionString(env, tag);
  // No `schema` here: the app uses no relational queries, and passing it rebuilds their config per call.
  if (url !== env.DATABASE_URL) return drizzle({ client: neon(url) });
  let db = shared.get(url);
  if (!db) {
    db = drizzle({ client: neon(url) });
    shared.set(url, db);
  }
  return db;
}
