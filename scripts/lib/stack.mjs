// The benchmark's (and the fault suite's) server stack, all on loopback:
//   PostgreSQL (throwaway cluster) ← the local Neon HTTP endpoint (in this process, pooled `pg`
//   connections) ← the worker built by `wrangler deploy --dry-run`, served by workerd through
//   Miniflare's API (not `wrangler dev`, whose proxy caps throughput); pgbouncer in transaction mode
//   (when available) in front of PostgreSQL for pgbench's baselines.
// Everything started here is registered in `cleanups` and stopped by `stop()` (also on Ctrl-C).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { freePort, localVars, projectRoot } from "./local-vars.mjs";
import { runMigrations } from "./migrate.mjs";
import { startNeonHttpEndpoint } from "./neon-http-endpoint.mjs";
import { LOCAL_PG_PASSWORD, pgEnv, startCluster } from "./postgres.mjs";

const binDir = path.join(projectRoot, "node_modules/.bin");
const isRoot = () => process.getuid?.() === 0;

/**
 * Cleanups run in reverse order, once, on stop() or a signal. Miniflare's own exit hook ends the process
 * on SIGINT/SIGTERM without waiting for async work, so each cleanup may also give a synchronous variant,
 * run from the process's "exit" event for whatever is still running then.
 */
export function createCleanups(log = console.log) {
  const list = [];
  let done = null;
  const run = async () => {
    if (done) return done;
    done = (async () => {
      for (const entry of [...list].reverse()) {
        if (entry.finished) continue;
        try {
          await entry.fn();
        } catch (err) {
          log(`[stack] stopping ${entry.name} failed: ${err.message}`);
        }
        entry.finished = true;
      }
    })();
    return done;
  };
  const onSignal = (signal) => {
    log(`\n[stack] ${signal}: stopping everything…`);
    run().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", () => {
    for (const entry of [...list].reverse()) {
      if (entry.finished || !entry.sync) continue;
      try {
        entry.sync();
      } catch {
        // best effort while exiting
      }
      entry.finished = true;
    }
  });
  return { add: (name, fn, sync) => list.push({ name, fn, sync, finished: false }), run };
}

/** True when `cmd` is on PATH. */
export function hasCommand(cmd) {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

/** Installs Debian packages when their command is missing (as root); false when it cannot. */
export function ensureDebianCommand(cmd, pkg = cmd, log = console.log) {
  if (hasCommand(cmd)) return true;
  if (!isRoot()) {
    log(`[stack] ${cmd} is not installed and this is not root: cannot apt-get install ${pkg}`);
    return false;
  }
  log(`[stack] installing ${pkg} (apt-get install -y ${pkg})…`);
  try {
    try {
      execFileSync("apt-get", ["install", "-y", "--no-install-recommends", pkg], {
        stdio: "pipe",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    } catch {
      execFileSync("apt-get", ["update"], { stdio: "pipe" });
      execFileSync("apt-get", ["install", "-y", "--no-install-recommends", pkg], {
        stdio: "pipe",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    }
  } catch (err) {
    log(
      `[stack] apt-get install ${pkg} failed: ${String(err.stderr ?? err.message)
        .trim()
        .split("\n")
        .pop()}`,
    );
    return false;
  }
  return hasCommand(cmd);
}

export function waitForPort(port, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on 127.0.0.1:${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function postgresIds() {
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/** pgbouncer in transaction mode (what Neon's pooled endpoint runs) in front of `pgPort`. */
async function startPgbouncer({ dir: parent, pgPort, database, poolSize }) {
  const port = await freePort();
  const dir = path.join(parent, "pgbouncer");
  fs.mkdirSync(dir, { recursive: true });
  if (isRoot()) execFileSync("chown", ["postgres:postgres", dir]);
  const ini = path.join(dir, "pgbouncer.ini");
  fs.writeFileSync(
    ini,
    [
      "[databases]",
      `${database} = host=127.0.0.1 port=${pgPort} dbname=${database} user=postgres password=${LOCAL_PG_PASSWORD}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = any",
      "pool_mode = transaction",
      "max_client_conn = 4000",
      `default_pool_size = ${poolSize}`,
      "ignore_startup_parameters = extra_float_digits,options",
      // A client waits this long for a server connection before an error (the default is 120 s).
      "query_wait_timeout = 10",
      `logfile = ${path.join(dir, "pgbouncer.log")}`,
      "log_connections = 0",
      "log_disconnections = 0",
      "",
    ].join("\n"),
  );
  // pgbouncer refuses to run as root: as root it runs as the postgres user, like the cluster.
  const child = spawn("pgbouncer", [ini], { stdio: ["ignore", "ignore", "pipe"], ...(isRoot() ? postgresIds() : {}) });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    await Promise.race([
      waitForPort(port),
      exited.then((code) => {
        throw new Error(`pgbouncer exited (${code}): ${stderr.trim()}`);
      }),
    ]);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    kill: () => child.kill("SIGKILL"),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/**
 * The worker's own log lines: the expected "database unavailable" errors (every request during an outage
 * logs one) are only counted; anything else is printed, the first `limit` of them.
 */
export function defaultWorkerLog({ limit = 20 } = {}) {
  let printed = 0;
  const fn = ({ level, message }) => {
    if (message.includes('"kind":"unavailable"')) {
      fn.unavailable++;
      return;
    }
    if (printed++ < limit) console.log(`[workerd ${level}] ${message.slice(0, 2000)}`);
    else if (printed === limit + 1) console.log("[workerd] (more log lines suppressed)");
  };
  fn.unavailable = 0;
  return fn;
}

/**
 * `wrangler deploy --dry-run --outdir`: the exact bundle a deploy would upload; `entry`, another script
 * bundled the same way under wrangler.toml's settings (the bench's floor worker).
 * @param {string} outdir @param {string} [entry]
 */
export function buildWorker(outdir, entry) {
  execFileSync(path.join(binDir, "wrangler"), ["deploy", "--dry-run", "--outdir", outdir, ...(entry ? [entry] : [])], {
    cwd: projectRoot,
    stdio: "pipe",
    env: {
      ...process.env,
      PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
      WRANGLER_SEND_METRICS: "false",
    },
  });
  const scripts = fs.readdirSync(outdir).filter((f) => f.endsWith(".js"));
  const main = scripts.includes("index.js") ? "index.js" : scripts[0];
  if (!main) throw new Error(`wrangler wrote no .js file into ${outdir}`);
  return path.join(outdir, main);
}

/** The worker's configuration from wrangler.toml (compatibility, vars, KV/R2/Queue bindings). */
export async function wranglerConfig() {
  const { experimental_readRawConfig } = await import("wrangler");
  const { rawConfig } = experimental_readRawConfig({ config: path.join(projectRoot, "wrangler.toml") });
  return rawConfig;
}

/**
 * Miniflare (v4-style options, converted for Miniflare 5) serving `scriptPath` with wrangler.toml's bindings.
 * `serviceBindings`: Miniflare's (e.g. `localNeonBinding(port)`).
 * @param {{ scriptPath: string, config: any, bindings?: Record<string, unknown>, serviceBindings?: Record<string, any>, onLog?: (entry: { level: string, message: string }) => void, inspectorPort?: number }} options
 */
export async function serveWorker({ scriptPath, config, bindings = {}, serviceBindings = {}, onLog, inspectorPort }) {
  const options = {
    ...(onLog ? { handleStructuredLogs: onLog } : {}),
    ...(inspectorPort ? { inspectorPort } : {}),
    name: config.name ?? "worker",
    host: "127.0.0.1",
    port: 0,
    modules: true,
    scriptPath,
    modulesRoot: path.dirname(scriptPath),
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags ?? [],
    kvNamespaces: (config.kv_namespaces ?? []).map((k) => k.binding),
    r2Buckets: (config.r2_buckets ?? []).map((b) => b.binding),
    ratelimits: Object.fromEntries(
      (config.ratelimits ?? []).map((r) => [r.name, { namespace_id: r.namespace_id, simple: r.simple }]),
    ),
    queueProducers: Object.fromEntries(
      (config.queues?.producers ?? []).map((q) => [q.binding, { queueName: q.queue }]),
    ),
    queueConsumers: Object.fromEntries(
      (config.queues?.consumers ?? []).map((q) => [
        q.queue,
        {
          maxBatchSize: q.max_batch_size,
          maxBatchTimeout: q.max_batch_timeout,
          maxRetries: q.max_retries,
          deadLetterQueue: q.dead_letter_queue,
        },
      ]),
    ),
    bindings: { ...(config.vars ?? {}), ...bindings },
    serviceBindings,
  };
  const mf = new Miniflare(convertV4MiniflareOptions(options));
  const url = await mf.ready;
  return { mf, url: url.href.replace(/\/$/, ""), dispose: () => mf.dispose() };
}

/**
 * LOCAL_NEON_HTTP: the worker's database requests go to the local endpoint on `port` through a service
 * binding to its address, not through Miniflare's fetch interceptor (src/db/client.ts).
 * @param {number} port
 */
export const localNeonBinding = (port) => ({
  LOCAL_NEON_HTTP: { external: { address: `127.0.0.1:${port}`, http: {} } },
});

/**
 * Rate limits high enough that a load run measures the service, not the limiter (wrangler.toml declares
 * the RATE_LIMIT_100000_PER_10S binding for this). Pass as `workerVars`.
 */
export const UNMETERED_RATE_LIMITS = {
  RATE_LIMIT_READS: "100000/10s",
  RATE_LIMIT_MONEY_WRITES: "100000/10s",
  RATE_LIMIT_SERVICE: "100000/10s",
};

/**
 * No counting at all (src/http/rate-limit.ts UNLIMITED): the bench's choice, because Miniflare
 * simulates the binding with a loopback round trip per call (it tripled the cost of a KV-decided answer
 * here), while Cloudflare counts in the location. The fault suite keeps UNMETERED_RATE_LIMITS, so the
 * limiter's path is exercised under faults.
 */
export const UNLIMITED_RATE_LIMITS = {
  RATE_LIMIT_READS: "off",
  RATE_LIMIT_MONEY_WRITES: "off",
  RATE_LIMIT_SERVICE: "off",
};

/**
 * Starts the whole stack. Options:
 *   pgbouncer: put pgbouncer (transaction mode) in front when it can be installed (default true)
 *   pgConf: extra postgresql.conf lines; statementLog: jsonlog + toggleable statement logging
 *   workerVars: vars overriding wrangler.toml's (e.g. UNMETERED_RATE_LIMITS)
 *   maxIdle: the endpoint's idle connections kept (default 32, the bench's concurrency)
 * Returns { dir, cluster, pgUrl, dbUrl (pgbouncer's address, or PostgreSQL's), pgbouncer, endpoint, inspectorPort,
 *   stopEndpoint(), startEndpoint(), worker, config, vars, psql(sql), restartPostgres(),
 *   stopPostgres(mode), statementLogFile, stop() }.
 * @param {{ pgbouncer?: boolean, pgConf?: string[], statementLog?: boolean, log?: (line: string) => void,
 *   workerLog?: (entry: { level: string, message: string }) => void, inspectorPort?: number,
 *   workerVars?: Record<string, string>, maxIdle?: number }} [options]
 */
export async function startStack({
  pgbouncer = true,
  pgConf = [],
  statementLog = false,
  log = console.log,
  workerLog = defaultWorkerLog(),
  inspectorPort,
  workerVars = {},
  maxIdle = 32,
} = {}) {
  const cleanups = createCleanups(log);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "payments-edge-bench-"));
  fs.chmodSync(dir, 0o755);
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  cleanups.add("temporary directory", removeDir, removeDir);
  try {
    const t0 = Date.now();
    const pgPort = await freePort();
    const conf = [
      ...(statementLog
        ? [
            "logging_collector = on",
            "log_destination = 'jsonlog'",
            "log_directory = 'log'",
            "log_filename = 'postgres'",
          ]
        : []),
      ...pgConf,
    ];
    const clusterOpts = { dir: path.join(dir, "pg"), port: pgPort, database: "payments", extraConf: conf };
    let cluster = await startCluster(clusterOpts);
    const stopCluster = () => cluster.stop("immediate");
    cleanups.add("PostgreSQL", stopCluster, stopCluster);
    await runMigrations(cluster.url);
    log(`[stack] PostgreSQL on 127.0.0.1:${pgPort}, migrations applied (${Date.now() - t0} ms)`);

    let bouncer = null;
    if (pgbouncer) {
      if (ensureDebianCommand("pgbouncer", "pgbouncer", log)) {
        try {
          bouncer = await startPgbouncer({ dir, pgPort, database: "payments", poolSize: 32 });
          cleanups.add("pgbouncer", bouncer.stop, bouncer.kill);
          log(`[stack] pgbouncer (transaction mode) on 127.0.0.1:${bouncer.port}`);
        } catch (err) {
          log(`[stack] NOTE: pgbouncer did not start (${err.message}); going straight to PostgreSQL`);
        }
      } else {
        log("[stack] NOTE: pgbouncer unavailable; the worker and pgbench go straight to PostgreSQL");
      }
    }
    const dbUrl = bouncer?.url ?? cluster.url;

    // The worker's database: the local Neon HTTP endpoint on pooled connections (as Neon's own keeps
    // its connections pooled), straight to PostgreSQL. pgbouncer serves the pgbench baselines. Neon keeps
    // 20 idle connections per endpoint, but behind its proxy the pooled endpoint has PgBouncer in the
    // compute, so a connection past those 20 does not start a backend: here, where the endpoint goes
    // straight to PostgreSQL, the idle pool is as large as the load's concurrency (`maxIdle`) instead.
    // `faults`: POST /faults and /faults/cut, for the fault suite.
    const endpointOptions = { port: 0, maxIdle, faults: true };
    let endpoint = await startNeonHttpEndpoint(endpointOptions);
    // Restarted on the same port (fault suite), so the worker's LOCAL_NEON_HTTP_ENDPOINT stays right.
    endpointOptions.port = endpoint.port;
    cleanups.add("Neon HTTP endpoint", () => endpoint.close());

    const t1 = Date.now();
    const scriptPath = buildWorker(path.join(dir, "build"));
    const config = await wranglerConfig();
    const vars = localVars();
    const worker = await serveWorker({
      scriptPath,
      config,
      bindings: { ...vars, ...workerVars, DATABASE_URL: cluster.url, LOCAL_NEON_HTTP_ENDPOINT: endpoint.url },
      serviceBindings: localNeonBinding(endpoint.port),
      onLog: workerLog,
      inspectorPort,
    });
    cleanups.add("workerd (Miniflare)", worker.dispose);
    log(`[stack] worker built and served by workerd at ${worker.url} (${Date.now() - t1} ms)`);

    const psql = (sqlText) =>
      execFileSync(
        path.join(cluster.bin, "psql"),
        [
          "-h",
          "127.0.0.1",
          "-p",
          String(pgPort),
          "-U",
          "postgres",
          "-d",
          "payments",
          "-v",
          "ON_ERROR_STOP=1",
          "-qtAc",
          sqlText,
        ],
        { encoding: "utf8", env: pgEnv() },
      );

    return {
      dir,
      cleanups,
      get cluster() {
        return cluster;
      },
      pgPort,
      pgUrl: cluster.url,
      pgBin: cluster.bin,
      dbUrl,
      pgbouncer: bouncer,
      /** The endpoint now running (a new object after startEndpoint()). */
      get endpoint() {
        return endpoint;
      },
      /** Closes the endpoint: its connections are cut and nothing listens on its port until startEndpoint(). */
      stopEndpoint: () => endpoint.close(),
      /** A new endpoint on the same port (fresh pools and counters). */
      startEndpoint: async () => {
        endpoint = await startNeonHttpEndpoint(endpointOptions);
        return endpoint;
      },
      worker,
      /** The bindings the worker got beyond wrangler.toml's (for another worker served the same way). */
      workerBindings: { ...vars, ...workerVars, DATABASE_URL: cluster.url, LOCAL_NEON_HTTP_ENDPOINT: endpoint.url },
      /** workerd's inspector (CPU profiles), when one was asked for. */
      inspectorPort,
      config,
      vars,
      scriptPath,
      psql,
      statementLogFile: path.join(dir, "pg", "log", "postgres.json"),
      stopPostgres: (mode = "immediate") => cluster.stop(mode),
      restartPostgres: async () => {
        cluster = await startCluster(clusterOpts);
      },
      stop: cleanups.run,
    };
  } catch (err) {
    await cleanups.run();
    throw err;
  }
}
