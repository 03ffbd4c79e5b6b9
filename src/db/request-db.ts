import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { createDatabase, type Database } from "./client";

/**
 * The request's database, opened on first use so that answers decided at the edge never open a
 * connection. `closeDatabaseAfterResponse` ends the pool once the response is out.
 */
export function database<E extends AppEnv>(c: Context<E>): Database {
  let handle = c.get("dbHandle");
  if (!handle) {
    handle = createDatabase(c.env);
    c.set("dbHandle", handle);
  }
  return handle.db;
}

export const closeDatabaseAfterResponse: MiddlewareHandler<AppEnv> = async (c, next) => {
  try {
    await next();
  } finally {
    const handle = c.get("dbHandle");
    if (handle) c.executionCtx.waitUntil(handle.pool.end().catch(() => {}));
  }
};
