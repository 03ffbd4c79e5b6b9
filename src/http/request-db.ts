// The request's resources, from its Hono context, for the modules that take plain arguments.
import type { Context } from "hono";
import { createDatabase, type Database } from "../db/client";
import type { EdgeSources } from "../edge/kv-state";
import type { AppEnv } from "../env";

/**
 * The request's database, made on first use so that answers decided at the edge touch nothing. Over
 * HTTP there is no connection to open or close: this only builds the driver's small client once.
 */
export function database<E extends AppEnv>(c: Context<E>): Database {
  let db = c.get("db");
  if (!db) {
    db = createDatabase(c.env, c.get("requestId"));
    c.set("db", db);
  }
  return db;
}

/** The request's KV, database and waitUntil, for edge reads (ledger/accounts.ts accountEdgeState). */
export const edgeSources = <E extends AppEnv>(c: Context<E>): EdgeSources => ({
  kv: c.env.EDGE_KV,
  db: () => database(c),
  later: { waitUntil: (work) => c.executionCtx.waitUntil(work) },
});
