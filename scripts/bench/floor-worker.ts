// The bench's floor worker: the least work any database-backed request does on this stack. Same
// bindings, same driver and the same path to the database as the app (src/db/client.ts: drizzle over
// neon(), the LOCAL_NEON_HTTP binding, the request's tag), answering each request with one query of
// one row through the local Neon HTTP endpoint. Built by wrangler like the app (run.mjs measureFloor).
import { sql } from "drizzle-orm";
import { createDatabase, type DatabaseEnv } from "../../src/db/client";

export default {
  async fetch(_request: Request, env: DatabaseEnv): Promise<Response> {
    const { rows } = await createDatabase(env, crypto.randomUUID()).execute<{ one: number }>(sql`SELECT 1 AS one`);
    return Response.json(rows[0]);
  },
};
