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

export type DatabaseEnv = { DATABASE_URL: string; LOCAL_NEON_HTTP_ENDPOINT?: string };

/**
 * Local development, tests and the bench only: the worker talks to the local endpoint
 * (scripts/lib/neon-http-endpoint.mjs) instead of Neon's. Production leaves the driver's default.
 */
function configureLocalEndpoint(endpoint: string | undefined) {
  if (endpoint && neonConfig.fetchEndpoint !== endpoint) neonConfig.fetchEndpoint = endpoint;
}

/**
 * Locally the request id rides in the connection string's application_name, so the local endpoint can
 * count database requests per API request (tests assert those counts).
 */
function connectionString(env: DatabaseEnv, tag: string | undefined) {
  if (!env.LOCAL_NEON_HTTP_ENDPOINT || !tag) return env.DATABASE_URL;
  const url = new URL(env.DATABASE_URL);
  url.searchParams.set("application_name", tag);
  return url.toString();
}

export function createDatabase(env: DatabaseEnv, tag?: string): Database {
  configureLocalEndpoint(env.LOCAL_NEON_HTTP_ENDPOINT);
  // No `schema` here: the app uses no relational queries, and passing it rebuilds their config per call.
  return drizzle({ client: neon(connectionString(env, tag)) });
}
