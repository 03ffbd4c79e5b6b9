import type { Context } from "hono";
import type { AppEnv } from "../env";
import { createDatabase, type Database } from "./client";

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
