// Statements whose text is built once per isolate (issue 22). drizzle builds a statement's SQL tree
// and renders its text on every call, which on a money write was a tenth of the worker's CPU; a hot
// write's text never changes, only its parameters. `prepared` renders the text on first use, with a
// placeholder per named slot, and each request binds its values into a parameter list.
import { fillPlaceholders, type Placeholder, type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Database } from "./client";

const dialect = new PgDialect();

/** A statement's text and one request's parameters, ready for the driver. */
export type BoundStatement = { text: string; params: unknown[] };

/** Names a parameter of a prepared statement. */
export type Slot<P extends string> = <K extends P>(name: K) => Placeholder<K>;

/** The statement `build` writes over one placeholder per named slot, compiled once; returns its binder. */
export function prepared<P extends string>(build: (slot: Slot<P>) => SQL) {
  let compiled: { text: string; params: unknown[] } | undefined;
  return (values: { readonly [K in P]: unknown }): BoundStatement => {
    if (!compiled) {
      const { sql: text, params } = dialect.sqlToQuery(build((name) => sql.placeholder(name)));
      compiled = { text, params };
    }
    return { text: compiled.text, params: fillPlaceholders(compiled.params, values) };
  };
}

const ROWS = { arrayMode: false, fullResults: true } as const;

/**
 * One bound statement: one database request, rows as objects. Typed by the caller like `db.execute<R>`:
 * the statement's own SELECT list is what promises R.
 */
export async function executeBound<R>(db: Database, statement: BoundStatement): Promise<{ rows: R[] }> {
  const { rows } = await db.$client.query(statement.text, statement.params, ROWS);
  return { rows: rows as R[] };
}

/** Bound statements as one non-interactive batch (one BEGIN…COMMIT): one database request; rows typed as in executeBound. */
export async function batchBound<T extends unknown[]>(
  db: Database,
  statements: { [K in keyof T]: BoundStatement },
): Promise<{ [K in keyof T]: { rows: T[K][] } }> {
  const client = db.$client;
  // Each query takes the batch's options (rows as objects, with fields): the driver applies them to all.
  const results = await client.transaction(
    statements.map((s) => client.query(s.text, s.params)),
    ROWS,
  );
  return results.map(({ rows }) => ({ rows })) as { [K in keyof T]: { rows: T[K][] } };
}
