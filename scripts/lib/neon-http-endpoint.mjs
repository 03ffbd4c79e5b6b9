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

/** Every value travels as Postgres text (Neon-Raw-Text-Output): the driver parses it with pg-types. */
const rawText = { getTypeParser: () => (/** @type {string} */ value) => value };

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

/** @param {import("pg").QueryResult} result @param {boolean} arrayMode */
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

  /** @param {import("pg").PoolClient} client @param {QueryData} q @param {boolean} arrayMode */
  const run = async (client, q, arrayMode) =>
    toNeonResult(
      await client.query({ text: q.query, values: q.params ?? [], rowMode: "array", types: rawText }),
      arrayMode,
    );

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
      if (!batch) return send(res, 200, await run(client, body, arrayMode));
      const isolation = ISOLATION[String(req.headers["neon-batch-isolation-level"] ?? "")];
      const readOnly = req.headers["neon-batch-read-only"] === "true";
      const deferrable = req.headers["neon-batch-deferrable"] === "true";
      await client.query(
        `BEGIN${isolation ? ` ISOLATION LEVEL ${isolation}` : ""}${readOnly ? " READ ONLY" : ""}${deferrable ? " DEFERRABLE" : ""}`,
      );
      try {
        const results = [];
        for (const q of batch) results.push(await run(client, q, arrayMode));
        await client.query("COMMIT");
        return send(res, 200, { results });
      } catch (err) {
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
