// Applies drizzle-kit's migrations in drizzle/ to a database (node-postgres over TCP).
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
  } finally {
    await client.end();
  }
}
