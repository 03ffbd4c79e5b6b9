// A local stand-in for Neon's SQL-over-HTTP endpoint, speaking the protocol @neondatabase/serverless's
// `neon()` uses (its src/httpQuery.ts): POST /sql with {query, params} or {queries:[...]} (one
// BEGIN…COMMIT on one connection), answered with Neon's result shape. It behaves as Neon's proxy does
// (neondatabase/neon proxy/src/serverless/): the same statuses and error bodies (sql_over_http.rs), the
// connection string read the same way (http_util.rs get_conn_info), pooled connections reset when taken
// back and dropped after an error (conn_pool_lib.rs), a new connection when none is idle (backend.rs),
// 10 MiB request and response limits, and the query cancelled when the client goes away. What it does
// not do is listed in docs/neon-endpoint.md. Local development, tests and the bench only.
//
// It also counts requests per tag (the X-Local-Request-Tag header, which the worker sets to its request
// id when it runs locally and which Neon never sees), so tests can assert "one database request per API
// request"; and, only when started with `faults: true` (the tests and the fault suite), it takes faults
// to inject from POST /faults.
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
/** @type {typeof import("pg")} */
const pg = require("pg");
/** pg's own mapping of a JS parameter to its wire text (Dates, arrays, Buffers, objects as JSON). */
const { prepareValue } = require("pg/lib/utils");

/** The header the tag rides on: read by this endpoint only (src/db/client.ts sets it). */
export const TAG_HEADER = "x-local-request-tag";

/** Neon's limits (proxy/src/binary/proxy.rs: sql_over_http_max_request_size_bytes, …_response_…). */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Neon keeps at most this many idle connections per endpoint (sql_over_http_pool_max_conns_per_endpoint). */
export const MAX_IDLE_CONNECTIONS = 20;

/** Neon's accepted Neon-Batch-Isolation-Level values (sql_over_http.rs map_header_to_isolation_level). */
const ISOLATION = /** @type {Record<string, string>} */ ({
  Serializable: "SERIALIZABLE",
  RepeatableRead: "REPEATABLE READ",
  ReadCommitted: "READ COMMITTED",
  ReadUncommitted: "READ UNCOMMITTED",
});

/**
 * What Neon sends on a connection it takes back into its pool (tokio-postgres2 client.rs
 * reset_session_background, called from conn_pool_lib.rs put): in the background, ahead of the next
 * request's statements on that connection.
 */
export const RESET_SQL =
  "ROLLBACK; CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DEALLOCATE ALL; UNLISTEN *; " +
  "SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES;";

/** The keys of every error body Neon answers, in its order (sql_over_http.rs handle). */
const ERROR_KEYS = [
  "message",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "severity",
  "where",
  "table",
  "column",
  "schema",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
];

/**
 * @typedef {{ query: string, params?: unknown[] }} QueryData
 * @typedef {{ requests: number, statements: number, batches: number, errors: number, max_request_bytes: number }} Counts
 * @typedef {"lost-connection" | "unreachable" | "response-too-large"} Fault
 * @typedef {{ port?: number, host?: string, maxConnections?: number, maxIdle?: number,
 *   idleTimeoutMs?: number, maxRequestBytes?: number, maxResponseBytes?: number, faults?: boolean }} EndpointOptions
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

/** @param {import("pg").Client} client @param {QueryData[]} statements @returns {Promise<RawResult[]>} */
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

/** An error the endpoint answers with: HTTP status and Neon's body (every key, null when absent). */
class EndpointError extends Error {
  /** @param {number} status @param {string} message @param {Record<string, unknown>} [fields] */
  constructor(status, message, fields = {}) {
    super(message);
    this.status = status;
    /** @type {Record<string, unknown>} */
    this.body = Object.fromEntries(ERROR_KEYS.map((k) => [k, k === "message" ? message : (fields[k] ?? null)]));
    // Neon's `code` is the SQLSTATE, or "" when there is no Postgres error behind the failure.
    if (this.body.code === null) this.body.code = "";
    /** Whether the connection it happened on must be closed rather than pooled. */
    this.discard = false;
  }
}

/** A Postgres error (it carries a SQLSTATE). */
const isPgError = (/** @type {unknown} */ err) =>
  typeof (/** @type {{ code?: unknown }} */ (err)?.code) === "string" &&
  /^[0-9A-Z]{5}$/.test(/** @type {{ code: string }} */ (err).code);

/**
 * A failure while a statement ran, as Neon answers it (sql_over_http.rs SqlOverHttpError::Postgres: 400):
 * a Postgres error with its fields; a connection that died under the query with tokio-postgres's words
 * "connection closed" (the socket ended) or "error communicating with the server" (a socket error), code "".
 * @param {unknown} err
 */
function queryError(err) {
  if (isPgError(err)) {
    const e = /** @type {Record<string, unknown>} */ (err);
    return new EndpointError(400, String(e.message), e);
  }
  const message = err instanceof Error ? err.message : String(err);
  return /terminated|ended|closed/i.test(message)
    ? new EndpointError(400, "connection closed")
    : new EndpointError(400, `error communicating with the server: ${message}`);
}

/**
 * A failure to reach PostgreSQL (backend.rs HttpConnError::PostgresConnectionError): 500, with the
 * Postgres error's fields when PostgreSQL refused (too many clients, authentication), else code "".
 * @param {unknown} err
 */
function connectError(err) {
  if (isPgError(err)) {
    const e = /** @type {Record<string, unknown>} */ (err);
    // A database that does not exist is the caller's mistake (INVALID_CATALOG_NAME → ErrorKind::User → 400).
    return new EndpointError(e.code === "3D000" ? 400 : 500, String(e.message), e);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new EndpointError(500, `error connecting to server: ${message}`);
}

/**
 * The connection string as Neon reads it (http_util.rs get_conn_info): postgres:// or postgresql://,
 * a user and a password (there is no JWT here), the database from the path. Every query parameter
 * (options, application_name, sslmode…) is ignored. Locally the host and port are where PostgreSQL
 * listens (Neon takes the endpoint id from the host's first label).
 * @param {unknown} raw
 */
function readConnectionString(raw) {
  if (typeof raw !== "string") throw new EndpointError(400, "invalid header: neon-connection-string");
  let url;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new EndpointError(400, `invalid connection string: ${err instanceof Error ? err.message : err}`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") throw new EndpointError(400, "incorrect scheme");
  const database = decodeURIComponent(url.pathname.replace(/^\//, "").split("/")[0] ?? "");
  const user = decodeURIComponent(url.username);
  if (!user) throw new EndpointError(400, "missing username");
  if (!url.password) throw new EndpointError(400, "missing authentication credentials: required password");
  if (!url.hostname) throw new EndpointError(400, "missing hostname");
  const config = {
    user,
    password: decodeURIComponent(url.password),
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: Number(url.port || 5432),
    database,
  };
  return { config, key: JSON.stringify(config) };
}

/** Neon-Batch-Isolation-Level and friends (sql_over_http.rs HttpHeaders::try_parse): a bad level is 400. */
function readBatchOptions(/** @type {http.IncomingHttpHeaders} */ headers) {
  const level = headers["neon-batch-isolation-level"];
  const isolation = level === undefined ? undefined : ISOLATION[String(level)];
  if (level !== undefined && !isolation) throw new EndpointError(400, "invalid isolation level");
  const readOnly = headers["neon-batch-read-only"] === "true";
  const deferrable = headers["neon-batch-deferrable"] === "true";
  return `BEGIN${isolation ? ` ISOLATION LEVEL ${isolation}` : ""}${readOnly ? " READ ONLY" : ""}${deferrable ? " DEFERRABLE" : ""}`;
}

/**
 * The body, at most `limit` bytes (413 past it, like Neon's read_body_with_limit), parsed as Neon's
 * Payload: a single query or a batch (400 otherwise).
 * @param {http.IncomingMessage} req @param {number} limit
 */
/** @returns {Counts} */
const zeroCounts = () => ({ requests: 0, statements: 0, batches: 0, errors: 0, max_request_bytes: 0 });

async function readPayload(req, limit) {
  const tooLarge = () => new EndpointError(413, `request is too large (max is ${limit} bytes)`);
  if (Number(req.headers["content-length"] ?? 0) > limit) throw tooLarge();
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  let body;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err) {
    throw new EndpointError(400, `could not parse the HTTP request body: ${err instanceof Error ? err.message : err}`);
  }
  const isQuery = (/** @type {any} */ q) =>
    typeof q?.query === "string" && (q.params === undefined || Array.isArray(q.params));
  if (Array.isArray(body?.queries) && body.queries.every(isQuery))
    return { batch: /** @type {QueryData[]} */ (body.queries), bytes: size };
  if (isQuery(body)) return { single: /** @type {QueryData} */ (body), bytes: size };
  throw new EndpointError(
    400,
    "could not parse the HTTP request body: data did not match any variant of untagged enum Payload",
  );
}

/**
 * Connections to one database as one user, pooled the way Neon's proxy pools them (conn_pool_lib.rs,
 * backend.rs connect_to_compute): an idle one when there is one (newest first), else a new one, up to
 * `maxConnections` open (then requests wait; by default PostgreSQL's max_connections is the limit). A
 * connection given back is reset in the background and kept idle while fewer than `maxIdle` are; one
 * that failed is closed.
 */
class ConnectionPool {
  /** @param {import("pg").ClientConfig} config @param {{ maxConnections: number, maxIdle: number, idleTimeoutMs: number }} limits */
  constructor(config, limits) {
    this.config = config;
    this.limits = limits;
    /** @type {{ client: import("pg").Client, since: number }[]} */
    this.idle = [];
    /** @type {Set<import("pg").Client>} every open connection, idle or busy */
    this.open = new Set();
    /** @type {((client: import("pg").Client | null) => void)[]} */
    this.waiting = [];
    /** @type {WeakSet<import("pg").Client>} connections whose socket ended */
    this.dead = new WeakSet();
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, limits.idleTimeoutMs / 2));
    this.sweeper.unref();
  }

  /** @returns {Promise<import("pg").Client>} */
  async acquire() {
    for (let entry = this.idle.pop(); entry; entry = this.idle.pop()) {
      if (!this.dead.has(entry.client)) return entry.client;
      this.forget(entry.client);
    }
    if (this.open.size >= this.limits.maxConnections) {
      const handed = await new Promise((resolve) => this.waiting.push(resolve));
      if (handed) return handed;
      return this.acquire();
    }
    const client = new pg.Client(this.config);
    this.open.add(client);
    // A connection dying (database restarted) must not crash the endpoint, idle or checked out: the
    // query that needed it fails and is answered like Neon answers it.
    client.on("error", () => this.dead.add(client));
    client.on("end", () => this.dead.add(client));
    try {
      await client.connect();
    } catch (err) {
      this.forget(client);
      throw err;
    }
    return client;
  }

  /** Gives a connection back: reset and kept, or closed when `discard` or when it died. */
  release(/** @type {import("pg").Client} */ client, /** @type {boolean} */ discard) {
    if (discard || this.dead.has(client) || this.idle.length >= this.limits.maxIdle) {
      this.forget(client);
      client.end().catch(() => {});
      return;
    }
    // Queued on the connection ahead of whatever the next request sends on it; not awaited (as Neon).
    client.query(RESET_SQL).catch(() => this.dead.add(client));
    const next = this.waiting.shift();
    if (next) next(client);
    else this.idle.push({ client, since: Date.now() });
  }

  /** @param {import("pg").Client} client */
  forget(client) {
    if (!this.open.delete(client)) return;
    this.waiting.shift()?.(null);
  }

  sweep() {
    const cutoff = Date.now() - this.limits.idleTimeoutMs;
    const stale = this.idle.filter((e) => e.since < cutoff);
    this.idle = this.idle.filter((e) => e.since >= cutoff);
    for (const { client } of stale) {
      this.forget(client);
      client.end().catch(() => {});
    }
  }

  /** Cuts every open connection's socket at once, busy or idle (a compute restart, seen from the proxy). */
  cut() {
    const n = this.open.size;
    for (const client of this.open) /** @type {any} */ (client).connection?.stream?.destroy();
    return n;
  }

  async close() {
    clearInterval(this.sweeper);
    for (const resolve of this.waiting.splice(0)) resolve(null);
    await Promise.all([...this.open].map((c) => c.end().catch(() => {})));
    this.open.clear();
    this.idle = [];
  }
}

/**
 * Asks PostgreSQL to cancel what `client` runs (a CancelRequest on a new connection, as Neon's
 * cancel_query does when the HTTP client goes away).
 * @param {import("pg").ClientConfig} config @param {import("pg").Client} client
 */
function cancelQuery(config, client) {
  const { processID, secretKey } = /** @type {any} */ (client);
  if (!processID) return;
  const con = new pg.Connection();
  con.on("error", () => {});
  con.on("connect", () => con.cancel(processID, secretKey));
  con.connect(config.port ?? 5432, config.host ?? "127.0.0.1");
}

/**
 * Starts the endpoint. Resolves with { port, url (the /sql address for neonConfig.fetchEndpoint),
 * counts(tag?), reset(), cut(), close() }. `GET /stats?tag=…` answers the same counts over HTTP.
 * Options: maxConnections (open per database and user; default unlimited: PostgreSQL's max_connections
 * refuses past it), maxIdle (Neon's 20), idleTimeoutMs, maxRequestBytes / maxResponseBytes (Neon's
 * 10 MiB), faults (POST /faults and POST /faults/cut: tests and the fault suite only).
 * @param {EndpointOptions} [options]
 */
export function startNeonHttpEndpoint({
  port = 0,
  host = "127.0.0.1",
  maxConnections = Number.POSITIVE_INFINITY,
  maxIdle = MAX_IDLE_CONNECTIONS,
  idleTimeoutMs = 5 * 60_000,
  maxRequestBytes = MAX_REQUEST_BYTES,
  maxResponseBytes = MAX_RESPONSE_BYTES,
  faults = false,
} = {}) {
  /** @type {Map<string, ConnectionPool>} */
  const pools = new Map();
  /** @type {Map<string, Counts>} counts per tag, bounded */
  const byTag = new Map();
  /** @type {Counts} */
  const total = zeroCounts();
  const MAX_TAGS = 50_000;
  /** @type {Map<string, { fault: Fault, times: number }>} faults to inject, per tag */
  const injected = new Map();

  const poolFor = (/** @type {{ config: import("pg").ClientConfig, key: string }} */ target) => {
    let pool = pools.get(target.key);
    if (!pool) {
      pool = new ConnectionPool(target.config, { maxConnections, maxIdle, idleTimeoutMs });
      pools.set(target.key, pool);
    }
    return pool;
  };

  const count = (/** @type {string} */ tag, /** @type {(c: Counts) => void} */ add) => {
    add(total);
    if (!tag) return;
    let c = byTag.get(tag);
    if (!c) {
      if (byTag.size >= MAX_TAGS) byTag.delete(byTag.keys().next().value ?? "");
      c = zeroCounts();
      byTag.set(tag, c);
    }
    add(c);
  };

  /** The fault set for this tag, if any (each one serves `times` requests). */
  const faultFor = (/** @type {string} */ tag) => {
    const entry = tag ? injected.get(tag) : undefined;
    if (!entry) return undefined;
    if (--entry.times <= 0) injected.delete(tag);
    return entry.fault;
  };

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function handleSql(req, res) {
    const tag = String(req.headers[TAG_HEADER] ?? "");
    // Headers first, as Neon checks them before it reads the body or connects.
    const target = readConnectionString(req.headers["neon-connection-string"]);
    const begin = readBatchOptions(req.headers);
    const arrayMode = req.headers["neon-array-mode"] === "true";
    const payload = await readPayload(req, maxRequestBytes);
    const statements = payload.batch ? payload.batch : [payload.single];
    count(tag, (c) => {
      c.requests += 1;
      c.statements += statements.length;
      if (payload.batch) c.batches += 1;
      c.max_request_bytes = Math.max(c.max_request_bytes, payload.bytes);
    });
    const fault = faultFor(tag);
    const pool = poolFor(target);
    /** @type {import("pg").Client} */
    let client;
    try {
      if (fault === "unreachable")
        throw Object.assign(new Error("connect ECONNREFUSED (injected)"), { code: "ECONNREFUSED" });
      client = await pool.acquire();
    } catch (err) {
      throw connectError(err);
    }
    // The client gone before the answer: cancel the query, and drop the connection (sql_over_http.rs
    // QueryData/BatchQueryData process, on `cancel.cancelled()`).
    let cancelled = false;
    const onGone = () => {
      if (res.writableFinished) return;
      cancelled = true;
      cancelQuery(target.config, client);
    };
    res.once("close", onGone);
    let discard = false;
    try {
      const results = payload.batch
        ? await runBatch(client, begin, payload.batch)
        : await runPipeline(client, statements).catch((err) => {
            // Neon drops the connection after any failed single query.
            discard = true;
            throw queryError(err);
          });
      if (fault === "lost-connection") {
        // PostgreSQL ran it; the answer is lost with the connection (a compute restart mid-response).
        discard = true;
        /** @type {any} */ (client).connection?.stream?.destroy();
        throw new EndpointError(400, "connection closed");
      }
      const converted = results.map((r) => toNeonResult(r, arrayMode));
      const text = JSON.stringify(payload.batch ? { results: converted } : converted[0]);
      const limit = fault === "response-too-large" ? 0 : maxResponseBytes;
      if (Buffer.byteLength(text) > limit && converted.some((r) => r.rows.length > 0)) {
        discard = !payload.batch;
        throw new EndpointError(507, `response is too large (max is ${maxResponseBytes} bytes)`);
      }
      return sendText(res, 200, text);
    } catch (err) {
      if (!(err instanceof EndpointError) || err.discard) discard = true;
      throw err;
    } finally {
      res.off("close", onGone);
      pool.release(client, discard || cancelled);
    }
  }

  /**
   * BEGIN, the batch and COMMIT in one round trip (the answers of BEGIN and COMMIT are dropped). A failed
   * statement makes PostgreSQL skip the rest, COMMIT included; the connection goes back to the pool,
   * whose reset rolls the transaction back (Neon's batch path drops a connection only when it broke).
   * @param {import("pg").Client} client @param {string} begin @param {QueryData[]} batch
   */
  async function runBatch(client, begin, batch) {
    try {
      const results = await runPipeline(client, [{ query: begin }, ...batch, { query: "COMMIT" }]);
      return results.slice(1, -1);
    } catch (err) {
      // The reset's ROLLBACK (ConnectionPool.release) ends the aborted transaction before the next use.
      const error = queryError(err);
      error.discard = !isPgError(err);
      throw error;
    }
  }

  /** @param {http.ServerResponse} res @param {number} status @param {string} text */
  function sendText(res, status, text) {
    if (res.destroyed) return;
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "access-control-allow-origin": "*",
    });
    res.end(text);
  }

  /** @param {http.ServerResponse} res @param {number} status @param {unknown} body */
  const send = (res, status, body) => sendText(res, status, JSON.stringify(body));

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://endpoint");
    if (req.method === "POST" && url.pathname === "/sql") {
      handleSql(req, res).catch((err) => {
        const error = err instanceof EndpointError ? err : new EndpointError(500, String(err));
        count(String(req.headers[TAG_HEADER] ?? ""), (c) => {
          c.errors += 1;
        });
        send(res, error.status, error.body);
      });
    } else if (req.method === "GET" && url.pathname === "/stats") {
      const tag = url.searchParams.get("tag");
      send(res, 200, tag ? (byTag.get(tag) ?? zeroCounts()) : total);
    } else if (req.method === "POST" && url.pathname === "/stats/reset") {
      byTag.clear();
      Object.assign(total, zeroCounts());
      send(res, 200, total);
    } else if (faults && req.method === "POST" && url.pathname === "/faults") {
      readJsonBody(req)
        .then((body) => {
          const fault = body?.fault;
          if (
            typeof body?.tag !== "string" ||
            !["lost-connection", "unreachable", "response-too-large"].includes(fault)
          ) {
            return send(res, 400, {
              message: "expected {tag, fault: lost-connection|unreachable|response-too-large, times?}",
            });
          }
          injected.set(body.tag, { fault, times: Number.isInteger(body.times) && body.times > 0 ? body.times : 1 });
          send(res, 200, { tag: body.tag, fault, times: injected.get(body.tag)?.times });
        })
        .catch(() => send(res, 400, { message: "bad JSON" }));
    } else if (faults && req.method === "POST" && url.pathname === "/faults/cut") {
      send(res, 200, { cut: cutAll() });
    } else {
      send(res, 404, { message: "not found" });
    }
  });
  server.keepAliveTimeout = 60_000;

  const cutAll = () => [...pools.values()].reduce((n, p) => n + p.cut(), 0);

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
          ...(tag ? (byTag.get(tag) ?? zeroCounts()) : total),
        }),
        reset: () => {
          byTag.clear();
          Object.assign(total, zeroCounts());
        },
        /** Cuts the socket of every open connection, busy or idle (what POST /faults/cut does). */
        cut: cutAll,
        close: async () => {
          server.closeAllConnections();
          await new Promise((done) => server.close(() => done(undefined)));
          await Promise.all([...pools.values()].map((p) => p.close()));
          pools.clear();
        },
      });
    });
  });
}

/** A small JSON body (the control routes). @param {http.IncomingMessage} req */
async function readJsonBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}
