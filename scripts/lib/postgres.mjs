// Throwaway PostgreSQL clusters for local development, tests and benchmarks.
// Postgres refuses to run as root, so as root the cluster belongs to (and runs as) the `postgres`
// user that Debian's package creates.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const candidateBinDirs = () =>
  [
    process.env.PG_BIN,
    ...(fs.existsSync("/usr/lib/postgresql")
      ? fs
          .readdirSync("/usr/lib/postgresql")
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
    "/usr/local/pgsql/bin",
  ].filter(Boolean);

/** The directory holding initdb/pg_ctl/postgres, or null when PostgreSQL is not installed. */
export function findPgBin() {
  for (const dir of candidateBinDirs()) {
    if (fs.existsSync(path.join(dir, "initdb")) && fs.existsSync(path.join(dir, "pg_ctl"))) return dir;
  }
  return null;
}

/**
 * The local clusters' password: loopback only and throwaway data, so a constant. Neon refuses a connection
 * string without a password, and so does the local endpoint (scripts/lib/neon-http-endpoint.mjs).
 */
export const LOCAL_PG_PASSWORD = "local-postgres-password";

/** The environment for psql/pgbench against a local cluster (host connections need the password). */
export const pgEnv = () => ({ ...process.env, PGPASSWORD: LOCAL_PG_PASSWORD });

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

/**
 * The PostgreSQL binaries, installing Debian's `postgresql` package first when they are missing and
 * this process may (root with apt-get): the test harness and the benchmark need a real server.
 */
export function ensurePgBin() {
  const found = findPgBin();
  if (found) return found;
  if (!isRoot() || !fs.existsSync("/usr/bin/apt-get")) {
    throw new Error("PostgreSQL is not installed: install Debian's `postgresql` package (apt-get install postgresql)");
  }
  console.log("[postgres] binaries not found: installing Debian's postgresql package (apt-get)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "postgresql"], { stdio: "inherit", env });
  const installed = findPgBin();
  if (!installed) throw new Error("apt-get installed postgresql but its binaries were not found");
  return installed;
}

function runAsOwner(bin, args, opts = {}) {
  if (isRoot()) return execFileSync("runuser", ["-u", "postgres", "--", bin, ...args], opts);
  return execFileSync(bin, args, opts);
}

/**
 * Starts (creating when missing) a cluster in `dir` listening on 127.0.0.1:`port`, where the `postgres`
 * role logs in with LOCAL_PG_PASSWORD (scram-sha-256; a cluster made before that gets it on its next
 * start). Returns { url (with the password), port, stop() }. `database` is created when missing.
 */
export async function startCluster({ dir, port, database = "payments", extraConf = [] }) {
  const bin = ensurePgBin();
  fs.mkdirSync(dir, { recursive: true });
  if (isRoot()) execFileSync("chown", ["-R", "postgres:postgres", dir]);
  if (!fs.existsSync(path.join(dir, "PG_VERSION"))) {
    runAsOwner(path.join(bin, "initdb"), ["-D", dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"], {
      stdio: "pipe",
    });
    fs.appendFileSync(
      path.join(dir, "postgresql.conf"),
      [
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = ''",
        "max_connections = 200",
        "shared_buffers = 256MB",
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        ...extraConf,
        "",
      ].join("\n"),
    );
  }
  const logFile = path.join(dir, "server.log");
  runAsOwner(path.join(bin, "pg_ctl"), ["-D", dir, "-l", logFile, "-o", `-p ${port}`, "-w", "-t", "60", "start"], {
    stdio: "pipe",
  });
  const stop = (mode = "fast") => {
    try {
      runAsOwner(path.join(bin, "pg_ctl"), ["-D", dir, "-m", mode, "-w", "stop"], { stdio: "pipe" });
    } catch {
      // already stopped
    }
  };
  const psql = path.join(bin, "psql");
  requirePassword({ bin, dir, port });
  const exists = execFileSync(
    psql,
    [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "postgres",
      "-tAc",
      `SELECT 1 FROM pg_database WHERE datname='${database}'`,
    ],
    { encoding: "utf8", env: pgEnv() },
  ).trim();
  if (exists !== "1") {
    execFileSync(psql, ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-c", `CREATE DATABASE ${database}`], {
      stdio: "pipe",
      env: pgEnv(),
    });
  }
  return { url: `postgres://postgres:${LOCAL_PG_PASSWORD}@127.0.0.1:${port}/${database}`, port, bin, dir, stop };
}

/**
 * Gives the `postgres` role its password and makes host connections ask for it (pg_hba.conf: trust →
 * scram-sha-256, then a reload). Idempotent: a no-op on a cluster that already asks.
 * @param {{ bin: string, dir: string, port: number }} cluster
 */
function requirePassword({ bin, dir, port }) {
  const hbaFile = path.join(dir, "pg_hba.conf");
  const hba = fs.readFileSync(hbaFile, "utf8");
  const asking = hba.replace(/^(host\S*\s.*\s)trust\s*$/gm, "$1scram-sha-256");
  if (asking === hba) return;
  execFileSync(
    path.join(bin, "psql"),
    [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "postgres",
      "-d",
      "postgres",
      "-qc",
      `SET password_encryption = 'scram-sha-256'; ALTER ROLE postgres PASSWORD '${LOCAL_PG_PASSWORD}'`,
    ],
    { stdio: "pipe", env: pgEnv() },
  );
  fs.writeFileSync(hbaFile, asking);
  runAsOwner(path.join(bin, "pg_ctl"), ["-D", dir, "reload"], { stdio: "pipe" });
}

/** Runs `fn` with a child process that is killed when this process exits. */
export function spawnChild(cmd, args, opts) {
  const child = spawn(cmd, args, { stdio: "inherit", ...opts });
  const kill = () => child.kill("SIGTERM");
  process.on("exit", kill);
  return child;
}
