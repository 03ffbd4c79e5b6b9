// Picks the database for `npm run dev`:
//   DATABASE_URL (environment, else .dev.vars) → throwaway PostgreSQL cluster under .data/postgres when
//   PostgreSQL's binaries are installed → embedded PGlite (.data/pglite) served over TCP by pglite-socket.
// PAYMENTS_EDGE_DB=postgres|pglite forces one of the two local choices (DATABASE_URL is then ignored).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { freePort } from "./local-vars.mjs";
import { findPgBin, LOCAL_PG_PASSWORD, startCluster } from "./postgres.mjs";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);
const DEFAULT_PG_PORT = 5433;

/**
 * Resolves and starts the database. Returns
 * { kind: "url"|"postgres"|"pglite", url, label, description, useLocalProxy, stop(): Promise<void> }.
 * `url` is reachable over plain TCP from this machine; `useLocalProxy` says whether the worker must reach
 * it through the local Neon HTTP endpoint (false only for Neon, whose own HTTP endpoint the driver uses).
 */
export async function resolveDatabase({ dataDir, databaseUrl, force = process.env.PAYMENTS_EDGE_DB }) {
  if (force && force !== "postgres" && force !== "pglite") {
    throw new Error(`PAYMENTS_EDGE_DB must be "postgres" or "pglite" (got "${force}")`);
  }
  if (databaseUrl && !force) return useUrl(databaseUrl);
  if (force === "pglite") return startPglite(dataDir);
  if (findPgBin()) return startPostgres(dataDir);
  if (force === "postgres") {
    throw new Error("PAYMENTS_EDGE_DB=postgres but PostgreSQL's binaries are not installed (no initdb found)");
  }
  return startPglite(dataDir);
}

async function useUrl(databaseUrl) {
  const parsed = new URL(databaseUrl);
  if (!parsed.password) {
    throw new Error(
      "DATABASE_URL has no password: Neon refuses such a connection string, and so does the local endpoint " +
        "(postgres://user:password@host:port/database)",
    );
  }
  const host = parsed.hostname;
  const port = Number(parsed.port || 5432);
  // Never print or store credentials: the label is host:port/database only.
  const label = `url:${host}:${port}${parsed.pathname}`;
  if (LOOPBACK.has(host)) {
    return {
      kind: "url",
      url: databaseUrl,
      label,
      description: `DATABASE_URL (${host}:${port}${parsed.pathname})`,
      useLocalProxy: true,
      stop: async () => {},
    };
  }
  if (host.endsWith(".neon.tech")) {
    // The Neon driver reaches Neon's own HTTP endpoint, as in production.
    return {
      kind: "url",
      url: databaseUrl,
      label,
      description: `DATABASE_URL (Neon: ${host}${parsed.pathname})`,
      useLocalProxy: false,
      stop: async () => {},
    };
  }
  // The local WebSocket proxy only dials loopback: forward a loopback port to the remote server.
  const forwarder = await startTcpForwarder(host, port);
  const local = new URL(databaseUrl);
  local.hostname = "127.0.0.1";
  local.port = String(forwarder.port);
  return {
    kind: "url",
    url: local.toString(),
    label,
    description: `DATABASE_URL (${host}:${port}${parsed.pathname}, forwarded from 127.0.0.1:${forwarder.port})`,
    useLocalProxy: true,
    stop: forwarder.close,
  };
}

async function startPostgres(dataDir) {
  const dir = path.join(dataDir, "postgres");
  stopLeftoverCluster(dir);
  const port = (await isPortFree(DEFAULT_PG_PORT)) ? DEFAULT_PG_PORT : await freePort();
  const cluster = await startCluster({ dir, port, database: "payments" });
  return {
    kind: "postgres",
    url: cluster.url,
    label: "postgres:.data/postgres",
    description: `PostgreSQL ${path.basename(path.dirname(cluster.bin))} cluster in .data/postgres on 127.0.0.1:${port}`,
    useLocalProxy: true,
    stop: async () => cluster.stop("fast"),
  };
}

/** A cluster left running by a killed `npm run dev` holds the data directory: stop it first. */
function stopLeftoverCluster(dir) {
  if (!fs.existsSync(path.join(dir, "postmaster.pid"))) return;
  const pgCtl = path.join(findPgBin(), "pg_ctl");
  /** @type {[string, string[]]} */
  const asOwner = process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", pgCtl]] : [pgCtl, []];
  try {
    execFileSync(asOwner[0], [...asOwner[1], "-D", dir, "status"], { stdio: "pipe" });
  } catch {
    return; // not running (a stale pid file is handled by postgres itself)
  }
  console.log("A PostgreSQL server from an earlier run still holds .data/postgres: stopping it");
  execFileSync(asOwner[0], [...asOwner[1], "-D", dir, "-m", "fast", "-w", "stop"], { stdio: "pipe" });
}

async function startPglite(dataDir) {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const dir = path.join(dataDir, "pglite");
  fs.mkdirSync(dir, { recursive: true });
  const db = await PGlite.create({ dataDir: dir });
  // One PGlite backend; the server multiplexes client connections onto it, query by query.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 100 });
  await server.start();
  const port = Number(server.getServerConn().split(":").pop());
  return {
    kind: "pglite",
    // PGlite asks for no password, but Neon (and so the local endpoint) refuses a URL without one.
    url: `postgres://postgres:${LOCAL_PG_PASSWORD}@127.0.0.1:${port}/postgres`,
    label: "pglite:.data/pglite",
    description: `embedded PGlite in .data/pglite, served on 127.0.0.1:${port}`,
    useLocalProxy: true,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/** Whether 127.0.0.1:`port` can be listened on right now. */
export function isPortFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function startTcpForwarder(host, port) {
  const sockets = new Set();
  const server = net.createServer((inbound) => {
    const outbound = net.connect({ host, port });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: /** @type {import("node:net").AddressInfo} */ (server.address()).port,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
