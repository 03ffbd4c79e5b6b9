// The local Neon HTTP endpoint (scripts/lib/neon-http-endpoint.mjs), driven by the real
// @neondatabase/serverless driver the way the worker uses it: values come back with Neon's types, a
// Postgres error is a NeonDbError with its fields, a batch is all or nothing under the options asked for,
// and every request is counted under its tag (the X-Local-Request-Tag header). Tables are per test (unique names: temporary tables would
// not outlive the one HTTP request that made them).

import { env } from "cloudflare:test";
import { NeonDbError, type NeonQueryFunctionInTransaction, neon, neonConfig } from "@neondatabase/serverless";
import { sql as drizzleSql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { configureLocalEndpoint, createDatabase } from "../src/db/client";

const endpoint = env.LOCAL_NEON_HTTP_ENDPOINT;
if (!endpoint) throw new Error("LOCAL_NEON_HTTP_ENDPOINT is not set (test/global-setup.ts starts the endpoint)");
neonConfig.fetchEndpoint = endpoint;
const statsUrl = endpoint.replace(/\/sql$/, "/stats");

const sql = neon(env.DATABASE_URL);

// The worker's own fetch path to the endpoint (src/db/client.ts): it puts a client's tag in the
// X-Local-Request-Tag header, which the endpoint counts under.
configureLocalEndpoint(env);
const tagged = (tag: string) => neon(env.DATABASE_URL, { fetchOptions: { localRequestTag: tag } });

const statsOf = async (tag: string) => (await fetch(`${statsUrl}?tag=${encodeURIComponent(tag)}`)).json();

/** Whatever `promise` rejects with (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<NeonDbError> {
  try {
    await promise;
  } catch (err) {
    return err as NeonDbError;
  }
  throw new Error("expected the query to fail");
}

let table = "";
beforeEach(async () => {
  table = `endpoint_test_${crypto.randomUUID().replace(/-/g, "")}`;
  await sql.query(`CREATE TABLE ${table} (id int CONSTRAINT ${table}_pk PRIMARY KEY, note text)`);
});
afterEach(async () => {
  await sql.query(`DROP TABLE IF EXISTS ${table}`);
});
const count = async () => (await sql.query(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n;

describe("local Neon HTTP endpoint: values through the real driver", () => {
  it("answers numeric as exact decimal strings, literal and parameter alike", async () => {
    const [row] = await sql`SELECT 12345678901234.5678::numeric AS n, ${"0.10"}::numeric AS p, 42::int AS i`;
    expect(row).toEqual({ n: "12345678901234.5678", p: "0.10", i: 42 });
  });

  it("answers timestamptz as Dates at the same instant", async () => {
    const sent = new Date("2026-01-02T03:04:05.006Z");
    const [row] = await sql`SELECT '2026-03-04T05:06:07.891+02:00'::timestamptz AS t, ${sent}::timestamptz AS p`;
    expect(row?.t).toBeInstanceOf(Date);
    expect(row?.p).toBeInstanceOf(Date);
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));
    expect([iso(row?.t), iso(row?.p)]).toEqual(["2026-03-04T03:06:07.891Z", sent.toISOString()]);
  });

  it("answers jsonb as parsed JSON", async () => {
    const [row] =
      await sql`SELECT '{"a":[1,"x",null],"b":{"c":true}}'::jsonb AS j, ${JSON.stringify({ k: "v", n: 1.5 })}::jsonb AS p`;
    expect(row).toEqual({ j: { a: [1, "x", null], b: { c: true } }, p: { k: "v", n: 1.5 } });
  });

  it("answers bigint beyond 2^53 as exact strings", async () => {
    const [row] = await sql`SELECT 9007199254740993::bigint AS b, ${"9223372036854775807"}::int8 AS max`;
    expect(row).toEqual({ b: "9007199254740993", max: "9223372036854775807" });
  });

  it("answers SQL NULL as null, for a null parameter too", async () => {
    const [row] = await sql`SELECT NULL::text AS t, ${null}::int AS i, NULL::jsonb AS j, NULL::text[] AS a`;
    expect(row).toEqual({ t: null, i: null, j: null, a: null });
  });

  it("answers text arrays with commas, quotes, empty strings and NULLs intact", async () => {
    const [row] =
      await sql`SELECT ARRAY['a', 'b,c', 'd"e', NULL, '']::text[] AS arr, ${["x", "y z", 'q"', "{}"]}::text[] AS p`;
    expect(row).toEqual({ arr: ["a", "b,c", 'd"e', null, ""], p: ["x", "y z", 'q"', "{}"] });
  });

  it("answers Neon's full result shape, rows as arrays when asked (Neon-Array-Mode)", async () => {
    const full = neon(env.DATABASE_URL, { arrayMode: true, fullResults: true });
    const result = await full`SELECT 1::int AS one, 'a'::text AS letter`;
    expect(result).toMatchObject({ command: "SELECT", rowCount: 1, rowAsArray: true, rows: [[1, "a"]] });
    expect(result.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
      ["one", 23],
      ["letter", 25],
    ]);
    const inserted = await neon(env.DATABASE_URL, { fullResults: true }).query(
      `INSERT INTO ${table} (id) VALUES (1), (2)`,
    );
    expect(inserted).toMatchObject({ command: "INSERT", rowCount: 2, rows: [] });
  });
});

describe("local Neon HTTP endpoint: errors", () => {
  it("turns a Postgres error into HTTP 400 and a NeonDbError with its code, constraint and detail", async () => {
    await sql.query(`INSERT INTO ${table} (id) VALUES (1)`);
    const err = await rejectionOf(sql.query(`INSERT INTO ${table} (id) VALUES (1)`));
    expect(err).toBeInstanceOf(NeonDbError);
    expect(err).toMatchObject({
      code: "23505",
      constraint: `${table}_pk`,
      table,
      severity: "ERROR",
      detail: "Key (id)=(1) already exists.",
    });
    // The same error on the wire: HTTP 400 with the fields the driver copied.
    const res = await fetch(endpoint, {
      method: "POST",
      headers: { "neon-connection-string": env.DATABASE_URL, "content-type": "application/json" },
      body: JSON.stringify({ query: `INSERT INTO ${table} (id) VALUES ($1)`, params: ["1"] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "23505", constraint: `${table}_pk` });
    expect(await count()).toBe(1);
  });

  it("names a syntax error's position", async () => {
    const err = await rejectionOf(sql.query("SELECT 1 FROM WHERE"));
    expect(err).toBeInstanceOf(NeonDbError);
    expect(err).toMatchObject({ code: "42601", position: "15" });
  });
});

describe("local Neon HTTP endpoint: batches (sql.transaction)", () => {
  it("commits a batch as one transaction that sees its own writes", async () => {
    const [inserted, counted] = await sql.transaction((q) => [
      q.query(
        `INSERT INTO ${table} (id, note) VALUES (1, 'one'), (2, 'two') RETURNING id, pg_current_xact_id()::text AS tx`,
      ),
      q.query(`SELECT count(*)::int AS n, pg_current_xact_id()::text AS tx FROM ${table}`),
    ]);
    expect(inserted?.map((r) => r.id)).toEqual([1, 2]);
    expect(counted).toEqual([{ n: 2, tx: inserted?.[0]?.tx }]);
    expect(await count()).toBe(2);
  });

  it("rolls a failing batch back whole: the statements before the failure persist nothing", async () => {
    await sql.query(`INSERT INTO ${table} (id) VALUES (1)`);
    const err = await rejectionOf(
      sql.transaction((q) => [
        q.query(`INSERT INTO ${table} (id, note) VALUES (10, 'first')`),
        q.query(`UPDATE ${table} SET note = 'changed' WHERE id = 1`),
        q.query(`INSERT INTO ${table} (id) VALUES (1)`),
      ]),
    );
    expect(err).toBeInstanceOf(NeonDbError);
    expect(err.code).toBe("23505");
    const rows = await sql.query(`SELECT id, note FROM ${table} ORDER BY id`);
    expect(rows).toEqual([{ id: 1, note: null }]);
  });

  it("leaves no transaction behind a failed batch: the next requests on its connections commit", async () => {
    await rejectionOf(
      sql.transaction((q) => [
        q.query(`INSERT INTO ${table} (id) VALUES (1)`),
        q.query(`INSERT INTO ${table} (id) VALUES (1)`),
      ]),
    );
    // A connection left in the aborted transaction would answer 25P02 here, or keep these rows invisible.
    for (let id = 2; id <= 4; id++) await sql.query(`INSERT INTO ${table} (id) VALUES ($1)`, [id]);
    const [, rows] = await sql.transaction((q) => [
      q.query(`INSERT INTO ${table} (id) VALUES (5)`),
      q.query(`SELECT id FROM ${table} ORDER BY id`),
    ]);
    expect(rows?.map((r) => r.id)).toEqual([2, 3, 4, 5]);
    expect(await count()).toBe(4);
  });

  it("runs a batch under the isolation level, read-only and deferrable options asked for", async () => {
    const settings = (q: NeonQueryFunctionInTransaction<false, false>) => [
      q`SHOW transaction_isolation`,
      q`SHOW transaction_read_only`,
      q`SHOW transaction_deferrable`,
    ];
    const strict = await sql.transaction(settings, {
      isolationLevel: "Serializable",
      readOnly: true,
      deferrable: true,
    });
    expect(strict.map((r) => Object.values(r[0] ?? {})[0])).toEqual(["serializable", "on", "on"]);
    const repeatable = await sql.transaction(settings, { isolationLevel: "RepeatableRead" });
    expect(repeatable.map((r) => Object.values(r[0] ?? {})[0])).toEqual(["repeatable read", "off", "off"]);
    const plain = await sql.transaction(settings);
    expect(plain.map((r) => Object.values(r[0] ?? {})[0])).toEqual(["read committed", "off", "off"]);
  });

  it("refuses a write in a read-only batch and keeps nothing of it", async () => {
    const err = await rejectionOf(
      sql.transaction((q) => [q.query(`INSERT INTO ${table} (id) VALUES (5)`)], { readOnly: true }),
    );
    expect(err).toBeInstanceOf(NeonDbError);
    expect(err.code).toBe("25006");
    expect(await count()).toBe(0);
  });
});

describe("local Neon HTTP endpoint: counters", () => {
  it("counts requests, statements, batches and errors per tag (GET /stats?tag=)", async () => {
    const tag = `endpoint-test-${crypto.randomUUID()}`;
    const q = tagged(tag);
    await q`SELECT 1`;
    await q.transaction((t) => [t`SELECT 1`, t`SELECT 2`, t`SELECT 3`]);
    await rejectionOf(q`SELECT 1/0`);
    expect(await statsOf(tag)).toMatchObject({ requests: 3, statements: 5, batches: 1, errors: 1 });
    // The largest request body of the tag, in bytes: a query of 10,000 characters is one of 10,000 and a bit.
    await q`SELECT ${"x".repeat(10_000)}::text`;
    const { max_request_bytes } = z.object({ max_request_bytes: z.number() }).parse(await statsOf(tag));
    expect(max_request_bytes).toBeGreaterThan(10_000);
    expect(max_request_bytes).toBeLessThan(10_100);
    // Untagged requests and other tags count elsewhere.
    await sql`SELECT 1`;
    expect(await statsOf(tag)).toMatchObject({ requests: 4 });
    expect(await statsOf(`never-${crypto.randomUUID()}`)).toEqual({
      requests: 0,
      statements: 0,
      batches: 0,
      errors: 0,
      max_request_bytes: 0,
    });
  });
});

describe("the worker's way to the endpoint", () => {
  it("goes through the LOCAL_NEON_HTTP service binding, whatever address fetch() would use", async () => {
    const tag = `binding-test-${crypto.randomUUID()}`;
    // Nothing listens on port 1: only the binding (to the endpoint's address) can carry this query.
    const db = createDatabase({ ...env, LOCAL_NEON_HTTP_ENDPOINT: "http://127.0.0.1:1/sql" }, tag);
    try {
      const { rows } = await db.execute<{ one: number }>(drizzleSql`SELECT 1::int AS one`);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      neonConfig.fetchEndpoint = endpoint;
    }
    expect(await statsOf(tag)).toMatchObject({ requests: 1, statements: 1 });
  });
});
