// A local stand-in for Neon's SQL-over-HTTP endpoint, speaking the protocol @neondatabase/serverless's
// `neon()` uses (its src/httpQuery.ts): POST /sql with {query, params} or {queries:[...]} (one
// BEGIN…COMMIT on one connection), answered with Neon's result shape; a Postgres error is HTTP 400 with
// the error's fields. It runs on pooled `pg` connections, as Neon's own endpoint does. Local development,
// tests and the bench only: production talks to Neon.
//
// It also counts requests per tag (the connection string's application_name, which the worker sets to
// its request id when it runs locally), so tests can assert "one database request per API request".
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
/** @type {typeof import("pg")} */
const pg = require("pg");
/** pg's own mapping of a JS parameter to its wire text (Dates, arrays, Buffers, objects as JSON). */
const { prepareValue } = require("pg/lib/utils");

const ISOLATION = /** @type {Record<string, string>} */ ({
  Serializable: "SERIALIZABLE",
  RepeatableRead: "REPEATABLE READ",
  ReadCommitted: "READ COMMITTED",
  ReadUncommitted: "READ UNCOMMITTED",
});

/** The fields of a pg error that Neon's endpoint returns (the driver copies these onto NeonDbError). */
const ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
];

/**
 * @typedef {{ query: string, params?: unknown[] }} QueryData
 * @typedef {{ requests: number, statements: number, batches: number, errors: number }} Counts
 * @typedef {{ port?: number, host?: string, poolSize?: number }} EndpointOptions
 */

/**
 * @typedef {{ name: string, tableID: number, columnID: number, dataTypeID: number, dataTypeSize: number,
 *   dataTypeModifier: number, format: string }} Field
 * @typedef {{ fields: Field[], rows: (string | null)[][], command: string, rowCount: number | null }} RawResult
 */

/** "INSERT 0 3" → INSERT, 3; "SELECT 20" → SELECT, 20; "BEGIN" → BEGIN, null (as pg's Result reads it). */
function commandOf(/** @type {string} */ text) {
  const m = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/.exec(text);
  return { command: m?.[1] ?? text, rowCount: m?.[3] ? Number(m[3]) : m?.[2] ? Number(m[2]) : null };
}

/**
 * Statements as one pipeline (PostgreSQL's extended protocol): Parse/Bind/Describe/Execute for each,
 * then one Sync, in one write, answered in one read. pg's Query waits for each statement's answer
 * before sending the next, so a batch [BEGIN, q1, q2, COMMIT] would cost four round trips and four
 * wake-ups of the backend; this costs one. Values come back as PostgreSQL's text (Neon-Raw-Text-Output:
 * the driver parses them). It is a pg "submittable" (the interface pg-cursor uses): the client hands it
 * the protocol messages while it holds the connection. After an error PostgreSQL skips to the Sync, so
 * the statements after it never run; the caller rolls back what an explicit BEGIN left open (pg sends
 * that only after the pipeline's ReadyForQuery).
 */
class Pipeline {
  /** @param {QueryData[]} statements @param {(err: unknown, results: RawResult[]) => void} done */
  constructor(statements, done) {
    this.statements = statements;
    this.done = done;
    /** @type {RawResult[]} */
    this.results = [];
    /** @type {{ fields: Field[], rows: (string | null)[][] } | null} */
    this.current = null;
  }

  /** @param {any} connection pg's Connection */
  submit(connection) {
    connection.stream.cork?.();
    try {
      for (const q of this.statements) {
        connection.parse({ text: q.query, name: "", types: [] });
        connection.bind({ portal: "", statement: "", values: q.params ?? [], valueMapper: prepareValue });
        connection.describe({ type: "P", name: "" });
        connection.execute({ portal: "", rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  /** @param {{ fields: Field[] }} msg */
  handleRowDescription(msg) {
    this.current = { fields: msg.fields, rows: [] };
  }

  /** @param {{ fields: (string | null)[] }} msg */
  handleDataRow(msg) {
    // A DataRow always follows its RowDescription (Describe is sent for every statement).
    this.current?.rows.push(msg.fields);
  }

  /** @param {{ text: string }} msg */
  handleCommandComplete(msg) {
    this.results.push({ fields: [], rows: [], ...this.current, ...commandOf(msg.text) });
    this.current = null;
  }

  handleEmptyQuery() {
    this.results.push({ fields: [], rows: [], command: "", rowCount: null });
  }

  /** pg's client lets go of a query at its first error: the later ReadyForQuery is not ours to see. */
  handleError(/** @type {unknown} */ err) {
    this.done(err, this.results);
  }

  handleReadyForQuery() {
    this.done(null, this.results);
  }

  handlePortalSuspended() {}

  /** @param {any} connection */
  handleCopyInResponse(connection) {
    connection.sendCopyFail("COPY is not supported over HTTP");
  }

  handleCopyData() {}
}

/** @param {import("pg").PoolClient} client @param {QueryData[]} statements @returns {Promise<RawResult[]>} */
const runPipeline = (client, statements) =>
  new Promise((resolve, reject) => {
    client.query(
      /** @type {any} */ (new Pipeline(statements, (err, results) => (err ? reject(err) : resolve(results)))),
    );
  });

/** @param {RawResult} result @param {boolean} arrayMode */
function toNeonResult(result, arrayMode) {
  const fields = result.fields.map((f) => ({
    name: f.name,
    dataTypeID: f.dataTypeID,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: f.format ?? "text",
  }));
  const rows = arrayMode
    ? result.rows
    : result.rows.map((row) => Object.fromEntries(fields.map((f, i) => [f.name, row[i]])));
  return { fields, command: result.command, rowCount: result.rowCount, rows, rowAsArray: arrayMode };
}

/** @param {unknown} err */
function errorBody(err) {
  const e = /** @type {Record<string, unknown>} */ (err ?? {});
  /** @type {Record<string, unknown>} */
  const body = { message: typeof e.message === "string" ? e.message : String(err) };
  for (const field of ERROR_FIELDS) if (e[field] !== undefined) body[field] = e[field];
  return body;
}

/** A Postgres error (with a SQLSTATE) → 400 like Neon; anything else (no database) → 503. */
const isPgError = (/** @type {unknown} */ err) =>
  typeof (/** @type {{ code?: unknown }} */ (err)?.code) === "string" &&
  /^[0-9A-Z]{5}$/.test(/** @type {{ code: string }} */ (err).code);

/** @param {http.IncomingMessage} req */
async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** Splits the tag (application_name) off the connection string: pools are keyed without it. */
function parseConnectionString(/** @type {string} */ raw) {
  const url = new URL(raw);
  const tag = url.searchParams.get("application_name") ?? "";
  url.searchParams.delete("application_name");
  // The driver's own fields; pg does not need them.
  url.searchParams.delete("sslmode");
  return { connectionString: url.toString(), tag };
}

/**
 * Starts the endpoint. Resolves with { port, url (the /sql address for neonConfig.fetchEndpoint),
 * counts(tag?), reset(), close() }. `GET /stats?tag=…` answers the same counts over HTTP.
 * @param {EndpointOptions} [options]
 */
export function startNeonHttpEndpoint({ port = 0, host = "127.0.0.1", poolSize = 10 } = {}) {
  /** @type {Map<string, import("pg").Pool>} */
  const pools = new Map();
  /** @type {Map<string, Counts>} counts per tag, bounded */
  const byTag = new Map();
  /** @type {Counts} */
  const total = { requests: 0, statements: 0, batches: 0, errors: 0 };
  const MAX_TAGS = 50_000;

  const poolFor = (/** @type {string} */ connectionString) => {
    let pool = pools.get(connectionString);
    if (!pool) {
      pool = new pg.Pool({ connectionString, max: poolSize, idleTimeoutMillis: 30_000 });
      // A connection dying (database restarted) must not crash the endpoint, idle or checked out: the
      // query that needed it fails and answers 503.
      pool.on("error", () => {});
      pool.on("connect", (client) => client.on("error", () => {}));
      pools.set(connectionString, pool);
    }
    return pool;
  };

  const count = (/** @type {string} */ tag, /** @type {(c: Counts) => void} */ add) => {
    add(total);
    if (!tag) return;
    let c = byTag.get(tag);
    if (!c) {
      if (byTag.size >= MAX_TAGS) byTag.delete(byTag.keys().next().value ?? "");
      c = { requests: 0, statements: 0, batches: 0, errors: 0 };
      byTag.set(tag, c);
    }
    add(c);
  };

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function handleSql(req, res) {
    const raw = req.headers["neon-connection-string"];
    if (typeof raw !== "string") return send(res, 400, { message: "Neon-Connection-String header is missing" });
    let target;
    let body;
    try {
      target = parseConnectionString(raw);
      body = await readJson(req);
    } catch (err) {
      return send(res, 400, { message: `bad request: ${err instanceof Error ? err.message : err}` });
    }
    const arrayMode = req.headers["neon-array-mode"] === "true";
    const batch = Array.isArray(body?.queries) ? /** @type {QueryData[]} */ (body.queries) : null;
    count(target.tag, (c) => {
      c.requests += 1;
      c.statements += batch ? batch.length : 1;
      if (batch) c.batches += 1;
    });
    /** @type {import("pg").PoolClient | undefined} */
    let client;
    try {
      client = await poolFor(target.connectionString).connect();
    } catch (err) {
      count(target.tag, (c) => {
        c.errors += 1;
      });
      return send(res, 503, { message: `database unreachable: ${err instanceof Error ? err.message : err}` });
    }
    let broken = false;
    try {
      if (!batch) {
        const [result] = await runPipeline(client, [body]);
        return send(res, 200, toNeonResult(/** @type {RawResult} */ (result), arrayMode));
      }
      const isolation = ISOLATION[String(req.headers["neon-batch-isolation-level"] ?? "")];
      const readOnly = req.headers["neon-batch-read-only"] === "true";
      const deferrable = req.headers["neon-batch-deferrable"] === "true";
      const begin = `BEGIN${isolation ? ` ISOLATION LEVEL ${isolation}` : ""}${readOnly ? " READ ONLY" : ""}${deferrable ? " DEFERRABLE" : ""}`;
      try {
        // BEGIN, the batch and COMMIT in one round trip; the answers of BEGIN and COMMIT are dropped.
        const results = await runPipeline(client, [{ query: begin }, ...batch, { query: "COMMIT" }]);
        return send(res, 200, { results: results.slice(1, -1).map((r) => toNeonResult(r, arrayMode)) });
      } catch (err) {
        // A failure skipped the rest, COMMIT included: the transaction stays open (aborted) until this.
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw err;
      }
    } catch (err) {
      count(target.tag, (c) => {
        c.errors += 1;
      });
      if (!isPgError(err)) broken = true;
      return isPgError(err)
        ? send(res, 400, errorBody(err))
        : send(res, 503, { message: `database error: ${err instanceof Error ? err.message : err}` });
    } finally {
      client.release(broken);
    }
  }

  /** @param {http.ServerResponse} res @param {number} status @param {unknown} body */
  function send(res, status, body) {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://endpoint");
    if (req.method === "POST" && url.pathname === "/sql") {
      handleSql(req, res).catch((err) => send(res, 500, { message: String(err) }));
    } else if (req.method === "GET" && url.pathname === "/stats") {
      const tag = url.searchParams.get("tag");
      send(res, 200, tag ? (byTag.get(tag) ?? { requests: 0, statements: 0, batches: 0, errors: 0 }) : total);
    } else if (req.method === "POST" && url.pathname === "/stats/reset") {
      byTag.clear();
      Object.assign(total, { requests: 0, statements: 0, batches: 0, errors: 0 });
      send(res, 200, total);
    } else {
      send(res, 404, { message: "not found" });
    }
  });
  server.keepAliveTimeout = 60_000;

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const addr = server.address();
      const actualPort = typeof addr === "object" && addr ? addr.port : port;
      resolve({
        port: actualPort,
        url: `http://${host}:${actualPort}/sql`,
        /** @param {string} [tag] */
        counts: (tag) => ({
          ...(tag ? (byTag.get(tag) ?? { requests: 0, statements: 0, batches: 0, errors: 0 }) : total),
        }),
        reset: () => {
          byTag.clear();
          Object.assign(total, { requests: 0, statements: 0, batches: 0, errors: 0 });
        },
        close: async () => {
          server.closeAllConnections();
          await new Promise((done) => server.close(() => done(undefined)));
          await Promise.all([...pools.values()].map((p) => p.end().catch(() => {})));
          pools.clear();
        },
      });
    });
  });
}
