// The local Neon HTTP endpoint where production breaks: each test drives it through the real driver
// (@neondatabase/serverless) and names the file of Neon's proxy (neondatabase/neon,
// proxy/src/serverless/) whose behaviour it mirrors. docs/neon-endpoint.md lists what is implemented.
import { env } from "cloudflare:test";
import { NeonDbError, neon, neonConfig } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureLocalEndpoint } from "../src/db/client";

const endpoint = env.LOCAL_NEON_HTTP_ENDPOINT;
if (!endpoint) throw new Error("LOCAL_NEON_HTTP_ENDPOINT is not set (test/global-setup.ts starts the endpoint)");
configureLocalEndpoint(env);
neonConfig.fetchEndpoint = endpoint;
const faultsUrl = endpoint.replace(/\/sql$/, "/faults");

const sql = neon(env.DATABASE_URL);
const tagged = (tag: string) => neon(env.DATABASE_URL, { fetchOptions: { localRequestTag: tag } });
const MiB = 1024 * 1024;

/** Whatever `promise` rejects with (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<NeonDbError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof NeonDbError) return err;
    throw err;
  }
  throw new Error("expected the query to fail");
}

/** Neon's error body with every key it sends: `fields` set, the others null (sql_over_http.rs handle). */
const neonErrorBody = (fields: Record<string, string>) => ({
  message: "",
  code: "",
  detail: null,
  hint: null,
  position: null,
  internalPosition: null,
  internalQuery: null,
  severity: null,
  where: null,
  table: null,
  column: null,
  schema: null,
  dataType: null,
  constraint: null,
  file: null,
  line: null,
  routine: null,
  ...fields,
});

/** "Server error (HTTP status N): {json}" (the driver's words for any status but 400) → [N, body]. */
function serverError(err: NeonDbError): [number, unknown] {
  const m = /^Server error \(HTTP status (\d+)\): (.*)$/s.exec(err.message);
  if (!m) throw new Error(`not a server error: ${err.message}`);
  return [Number(m[1]), JSON.parse(m[2] ?? "")];
}

/** The next request under `tag` meets `fault` (POST /faults: bound only in the test stack). */
async function inject(tag: string, fault: "lost-connection" | "unreachable" | "response-too-large") {
  const res = await fetch(faultsUrl, { method: "POST", body: JSON.stringify({ tag, fault }) });
  expect(res.status).toBe(200);
  await res.text();
}

/** Polls `check` until it holds (bounded: a condition that never holds fails the test). */
async function eventually(what: string, check: () => Promise<boolean>) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never: ${what}`);
}

/** Runs `select` (one row) until it lands on the connection of backend `pid`, and answers that row. */
async function onConnection(pid: number, select: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const [row] = await sql.query(`SELECT pg_backend_pid() AS pid, ${select}`);
    if (row?.pid === pid) return row;
  }
  throw new Error(`backend ${pid} never served a request again`);
}

const backendAlive = async (pid: number) =>
  (await sql.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1", [pid]))[0]?.n === 1;

let table = "";
beforeAll(async () => {
  table = `endpoint_failures_${crypto.randomUUID().replace(/-/g, "")}`;
  await sql.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
  // Waits until n statements naming `marker` are active at once; answers its backend (-1 after ~20 s).
  await sql.query(`CREATE FUNCTION ${table}_barrier(marker text, n int) RETURNS int LANGUAGE plpgsql AS $$
    BEGIN
      FOR i IN 1..2000 LOOP
        PERFORM pg_stat_clear_snapshot();
        IF (SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || marker || '%') >= n
        THEN
          -- Still active a little longer, so that the others see all n too.
          PERFORM pg_sleep(0.5);
          RETURN pg_backend_pid();
        END IF;
        PERFORM pg_sleep(0.01);
      END LOOP;
      RETURN -1;
    END $$`);
});
afterAll(async () => {
  await sql.query(`DROP FUNCTION IF EXISTS ${table}_barrier(text, int)`);
  await sql.query(`DROP TABLE IF EXISTS ${table}`);
});

describe("the connection string, as Neon reads it (http_util.rs get_conn_info)", () => {
  it("refuses a URL without a password: 400 and Neon's message", async () => {
    const url = new URL(env.DATABASE_URL);
    url.password = "";
    const err = await rejectionOf(neon(url.toString())`SELECT 1`);
    expect(err.message).toBe("missing authentication credentials: required password");
    expect(err.code).toBe("");
  });

  it("ignores options and application_name: the session keeps its defaults", async () => {
    const url = new URL(env.DATABASE_URL);
    url.searchParams.set("options", "-c search_path=nowhere -c statement_timeout=1234");
    url.searchParams.set("application_name", "from-the-url");
    const [row] = await neon(url.toString())`SELECT current_setting('search_path') AS path,
      current_setting('statement_timeout') AS timeout, current_setting('application_name') AS app`;
    expect(row).toEqual({ path: '"$user", public', timeout: "0", app: "" });
  });
});

describe("headers and limits (sql_over_http.rs HttpHeaders::try_parse, read_body_with_limit, query_to_json)", () => {
  it("answers 400 to a Neon-Batch-Isolation-Level it does not know, and runs nothing", async () => {
    // A level the driver's types do not allow, as a client of another version might send it.
    const options = JSON.parse('{"isolationLevel":"Snapshot"}');
    const err = await rejectionOf(sql.transaction([sql.query(`INSERT INTO ${table} VALUES (1)`)], options));
    expect(err.message).toBe("invalid isolation level");
    expect(err.code).toBe("");
    expect((await sql.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = 1`))[0]?.n).toBe(0);
  });

  it("answers 413 to a request over 10 MiB", async () => {
    const err = await rejectionOf(sql.query("SELECT length($1) AS n", ["x".repeat(10 * MiB + 1)]));
    expect(serverError(err)).toEqual([413, neonErrorBody({ message: "request is too large (max is 10485760 bytes)" })]);
  });

  it("answers a request just under 10 MiB", async () => {
    const [row] = await sql.query("SELECT length($1) AS n", ["x".repeat(10 * MiB - 100)]);
    expect(row).toEqual({ n: 10 * MiB - 100 });
  });

  it("answers 507 to a response over 10 MiB", async () => {
    const err = await rejectionOf(sql.query("SELECT repeat('x', 1048576) AS r FROM generate_series(1, 11)"));
    expect(serverError(err)).toEqual([
      507,
      neonErrorBody({ message: "response is too large (max is 10485760 bytes)" }),
    ]);
  });
});

describe("failures that are not SQL errors (sql_over_http.rs SqlOverHttpError, backend.rs HttpConnError)", () => {
  it("a connection lost under the query: 400, message 'connection closed', code ''; the statement ran", async () => {
    const tag = `lost-${crypto.randomUUID()}`;
    await inject(tag, "lost-connection");
    const err = await rejectionOf(tagged(tag).query(`INSERT INTO ${table} VALUES (2)`));
    expect(err.message).toBe("connection closed");
    expect(err.code).toBe("");
    expect(err.severity).toBeUndefined();
    // PostgreSQL committed it: only the answer was lost (what an Idempotency-Key exists for).
    expect((await sql.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = 2`))[0]?.n).toBe(1);
  });

  it("a compute it cannot reach: 500, code ''", async () => {
    const err = await rejectionOf(neon(env.UNREACHABLE_DATABASE_URL)`SELECT 1`);
    const [status, body] = serverError(err);
    expect(status).toBe(500);
    expect(body).toEqual(
      neonErrorBody({ message: expect.stringMatching(/^error connecting to server: .*ECONNREFUSED/) }),
    );
  });

  it("the test switch answers the same 500 for a reachable database", async () => {
    const tag = `unreachable-${crypto.randomUUID()}`;
    await inject(tag, "unreachable");
    const [status, body] = serverError(await rejectionOf(tagged(tag)`SELECT 1`));
    expect(status).toBe(500);
    expect(body).toEqual(neonErrorBody({ message: "error connecting to server: connect ECONNREFUSED (injected)" }));
    // The switch served one request: the next one under the tag goes through.
    expect(await tagged(tag)`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });

  it("a SQL error keeps every key of Neon's body: the driver sees its code, null fields as undefined", async () => {
    const err = await rejectionOf(sql`SELECT 1/0`);
    expect(err.message).toBe("division by zero");
    expect(err.code).toBe("22012");
    expect(err.severity).toBe("ERROR");
    expect(err.detail).toBeUndefined();
  });
});

describe("pooled connections (conn_pool_lib.rs put → reset_session_background; sql_over_http.rs discard)", () => {
  it("resets a connection it takes back: a session SET does not reach the next request", async () => {
    const [set] = await sql`SELECT set_config('work_mem', '1234kB', false) AS v, pg_backend_pid() AS pid`;
    expect(set?.v).toBe("1234kB");
    const row = await onConnection(Number(set?.pid), "current_setting('work_mem') AS work_mem");
    expect(row.work_mem).toBe("4MB");
  });

  it("releases a session advisory lock", async () => {
    const key = Math.floor(Math.random() * 1e9);
    const [locked] = await sql`SELECT pg_advisory_lock(${key}::bigint) IS NULL AS ok, pg_backend_pid() AS pid`;
    const row = await onConnection(
      Number(locked?.pid),
      "(SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS held",
    );
    expect(row.held).toBe(0);
    // Any other connection can take it now.
    expect((await sql`SELECT pg_try_advisory_lock(${key}::bigint) AS got, pg_advisory_unlock_all()`)[0]?.got).toBe(
      true,
    );
  });

  /** The next `n` requests (the first lands on the connection just given back: the idle pool is LIFO). */
  const nextRequests = async (select: string, n = 20) => {
    const rows = [];
    for (let i = 0; i < n; i++) rows.push((await sql.query(`SELECT ${select}`))[0]);
    return rows;
  };

  it("rolls back a stray BEGIN: the next requests run in transactions of their own", async () => {
    await sql.query("BEGIN");
    // In a transaction left open, two requests on one connection would share its transaction id.
    const rows = await nextRequests("pg_backend_pid() AS pid, pg_current_xact_id()::text AS xid");
    const xids = rows.map((r) => `${r?.pid}/${r?.xid}`);
    expect(new Set(xids).size).toBe(20);
  });

  it("deallocates prepared statements and drops temporary tables", async () => {
    await sql.query(`PREPARE ${table}_p AS SELECT 1`);
    await sql.query(`CREATE TEMP TABLE ${table}_t (x int)`);
    const rows = await nextRequests(
      `(SELECT count(*)::int FROM pg_prepared_statements) AS prepared, to_regclass('pg_temp.${table}_t') AS temp`,
    );
    expect(rows).toEqual(Array.from({ length: 20 }, () => ({ prepared: 0, temp: null })));
  });

  it("discards sequence state: currval() is undefined again", async () => {
    const seq = `${table}_seq`;
    await sql.query(`CREATE SEQUENCE ${seq}`);
    try {
      const [made] = await sql.query(`SELECT nextval('${seq}')::int AS n, pg_backend_pid() AS pid`);
      expect(made?.n).toBe(1);
      const err = await rejectionOf(
        (async () => {
          for (let i = 0; i < 200; i++) {
            const [r] = await sql.query("SELECT pg_backend_pid() AS pid");
            if (r?.pid === made?.pid) return sql.query(`SELECT currval('${seq}')`);
          }
          throw new Error("the backend never came back");
        })(),
      );
      expect(err.message).toBe(`currval of sequence "${seq}" is not yet defined in this session`);
    } finally {
      await sql.query(`DROP SEQUENCE IF EXISTS ${seq}`);
    }
  });

  it("drops the connection of a failed query", async () => {
    // The error's own message names the backend it ran on.
    const err = await rejectionOf(sql`SELECT (pg_backend_pid()::text || 'x')::int`);
    const pid = Number(/"(\d+)x"/.exec(err.message)?.[1]);
    expect(pid).toBeGreaterThan(0);
    await eventually(`backend ${pid} ends`, async () => !(await backendAlive(pid)));
  });

  it("opens a new connection when none is idle: 25 requests at once run on 25 backends", async () => {
    const n = 25;
    const marker = `barrier_${crypto.randomUUID().replace(/-/g, "")}`;
    // Each request waits in SQL until n statements naming the marker run at once (-1 after 20 s).
    const pids = await Promise.all(
      Array.from(
        { length: n },
        async () => (await sql.query(`SELECT ${table}_barrier('${marker}', ${n}) AS pid`))[0]?.pid,
      ),
    );
    expect(pids).not.toContain(-1);
    expect(new Set(pids).size).toBe(n);
  });
});

describe("cancellation (sql_over_http.rs process: cancel_query when the client goes away)", () => {
  it("cancels the query of a request whose client hung up", async () => {
    const marker = `cancel_${crypto.randomUUID().replace(/-/g, "")}`;
    const running = async () =>
      (
        await sql.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1 || '%'",
          [marker],
        )
      )[0]?.n;
    const abort = new AbortController();
    const sleeping = sql
      .query(`SELECT pg_sleep(60) /* ${marker} */`, [], { fetchOptions: { signal: abort.signal } })
      .catch((err: unknown) => err);
    await eventually("the query runs", async () => (await running()) === 1);
    abort.abort();
    expect(await sleeping).toBeInstanceOf(Error);
    await eventually("the query is cancelled", async () => (await running()) === 0);
  });
});
