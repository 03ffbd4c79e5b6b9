// Applies drizzle-kit's migrations in drizzle/ to a database (node-postgres over TCP), then every file of
// drizzle/functions/ in name order: the SQL functions and triggers, kept as files so that a change to one
// is a diff of its file. Each file is idempotent and runs in its own transaction on every migrate.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export async function runMigrations(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET client_min_messages TO warning");
    await migrate(drizzle(client), { migrationsFolder: path.join(root, "drizzle") });
    await applyFunctions(client);
  } finally {
    await client.end();
  }
}

/** @param {pg.Client} client */
async function applyFunctions(client) {
  const dir = path.join(root, "drizzle", "functions");
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    try {
      await client.query(`BEGIN; ${text}; COMMIT;`);
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw new Error(`drizzle/functions/${file}: ${err instanceof Error ? err.message : err}`);
    }
  }
}
