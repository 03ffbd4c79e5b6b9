// `npm run dev`: database → local Neon HTTP endpoint → migrations → `wrangler dev` on :8787 (local KV) → demo seed.
// Ctrl-C stops everything; data stays in .data/. See docs/local-development.md.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { isPortFree, resolveDatabase } from "./lib/database-resolver.mjs";
import { seedDemo } from "./lib/demo-seed.mjs";
import { localVars, projectRoot, readVarsFile } from "./lib/local-vars.mjs";
import { runMigrations } from "./lib/migrate.mjs";
import { startNeonHttpEndpoint } from "./lib/neon-http-endpoint.mjs";

const PORT = Number(process.env.PAYMENTS_EDGE_PORT ?? 8787);
const BASE_URL = `http://127.0.0.1:${PORT}`;
// PAYMENTS_EDGE_DATA_DIR moves the data elsewhere (the PGlite smoke test runs a second stack beside yours).
const dataDir = process.env.PAYMENTS_EDGE_DATA_DIR ?? path.join(projectRoot, ".data");
const binDir = path.join(projectRoot, "node_modules/.bin");

const cleanups = []; // run in reverse order on exit
let stopping = false;
let wrangler = null;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  console.log("\n[dev] stopping…");
  for (const { name, fn, quiet } of cleanups.reverse()) {
    try {
      await fn();
      if (!quiet) console.log(`[dev] ${name} stopped`);
    } catch (err) {
      console.error(`[dev] stopping ${name} failed: ${err.message}`);
    }
  }
  process.exit(code);
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

function stopChild(child, name) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      console.error(`[dev] ${name} did not exit in 10 s: killing it`);
      child.kill("SIGKILL");
    }, 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

async function waitForHealth(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping || wrangler?.exitCode !== null) return false;
    try {
      const res = await fetch(`${BASE_URL}/health`);
      await res.body?.cancel();
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

/** One stack per .data/: a second one would stop the first one's PostgreSQL or share PGlite's files. */
function takeLock() {
  const lockFile = path.join(dataDir, "dev.pid");
  const other = Number(fs.existsSync(lockFile) ? fs.readFileSync(lockFile, "utf8") : 0);
  if (other && other !== process.pid && isDevProcess(other)) {
    throw new Error(`another \`npm run dev\` (pid ${other}) is using .data/; stop it first`);
  }
  fs.writeFileSync(lockFile, String(process.pid));
  cleanups.push({ name: "lock", quiet: true, fn: () => fs.rmSync(lockFile, { force: true }) });
}

function isDevProcess(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("dev.mjs");
  } catch {
    try {
      process.kill(pid, 0); // no /proc (macOS): alive is enough
      return !fs.existsSync("/proc/self");
    } catch {
      return false;
    }
  }
}

try {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  takeLock();
  if (!(await isPortFree(PORT))) throw new Error(`port ${PORT} is in use (PAYMENTS_EDGE_PORT picks another)`);
  const vars = localVars(); // scripts/local-defaults.vars overridden by .dev.vars
  const devVars = readVarsFile(path.join(projectRoot, ".dev.vars"));

  const db = await resolveDatabase({ dataDir, databaseUrl: process.env.DATABASE_URL || devVars.DATABASE_URL });
  cleanups.push({ name: `database (${db.kind})`, fn: db.stop });
  console.log(`[dev] database: ${db.description}`);

  let endpointUrl = null;
  if (db.useLocalProxy) {
    // PGlite has one backend: one connection keeps each batch's BEGIN…COMMIT to itself. Otherwise the
    // endpoint opens a connection whenever none is idle, as Neon's does.
    const endpoint = await startNeonHttpEndpoint({ port: 0, ...(db.kind === "pglite" ? { maxConnections: 1 } : {}) });
    cleanups.push({ name: "Neon HTTP endpoint", fn: endpoint.close });
    endpointUrl = endpoint.url;
    console.log(`[dev] Neon HTTP endpoint: ${endpointUrl}`);
  }
  // The local cluster's (or PGlite's) password is a local constant; a DATABASE_URL's own is not printed.
  console.log(`[dev] DATABASE_URL: ${db.kind === "url" ? withoutPassword(db.url) : db.url}`);

  await runMigrations(db.url).catch((err) => {
    throw new Error(`applying migrations to ${db.description} failed: ${err.message || err.code || err}`);
  });
  console.log("[dev] migrations applied");

  const args = ["dev", "--port", String(PORT), "--local", "--persist-to", path.join(dataDir, "wrangler")];
  const cliVars = { DATABASE_URL: db.url, ...(endpointUrl ? { LOCAL_NEON_HTTP_ENDPOINT: endpointUrl } : {}) };
  // wrangler reads .dev.vars itself; the documented defaults go in only where .dev.vars is silent.
  const defaults = readVarsFile(path.join(projectRoot, "scripts/local-defaults.vars"));
  for (const name of Object.keys(defaults)) if (!(name in devVars)) cliVars[name] = defaults[name];
  for (const [name, value] of Object.entries(cliVars)) args.push("--var", `${name}:${value}`);

  // node_modules/.bin first: wrangler's `#!/usr/bin/env node` must find Node 24 (the `node` devDependency).
  wrangler = spawn(path.join(binDir, "wrangler"), args, {
    cwd: projectRoot,
    stdio: "inherit",
    env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}` },
  });
  cleanups.push({ name: "wrangler", fn: () => stopChild(wrangler, "wrangler") });
  wrangler.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`[dev] wrangler exited (${signal ?? `code ${code}`})`);
    shutdown(code ?? 1);
  });

  if (!(await waitForHealth())) {
    if (!stopping) {
      console.error(`[dev] the worker did not answer ${BASE_URL}/health in time`);
      await shutdown(1);
    }
  } else {
    try {
      const demo = await seedDemo({
        baseUrl: BASE_URL,
        adminToken: vars.ADMIN_TOKEN,
        stateFile: path.join(dataDir, "demo.json"),
        databaseLabel: db.label,
      });
      const url = `http://localhost:${PORT}`;
      console.log(
        [
          "",
          `[dev] demo data ${
            demo.rekeyed
              ? "re-used from .data/demo.json, with a new API key (permissions were added since)"
              : demo.reused
                ? "re-used from .data/demo.json"
                : "seeded (saved in .data/demo.json)"
          }:`,
          `  workspace ${demo.workspace_id}, EUR account ${demo.account_id}`,
          `  API key:     ${demo.api_key}`,
          `  admin token: ${vars.ADMIN_TOKEN}`,
          "",
          "  Try:",
          `  curl -s ${url}/api/v1/user/balance -H 'X-API-Key: ${demo.api_key}'`,
          `  curl -s ${url}/api/v1/user/payments -H 'X-API-Key: ${demo.api_key}'`,
          "",
          `  Back office: ${url}/portal (sign in with the admin token)`,
          `  API docs: ${url}/docs   OpenAPI: ${url}/openapi.json   Ctrl-C stops everything.`,
          "",
        ].join("\n"),
      );
    } catch (err) {
      console.error(`[dev] seeding the demo data failed (the stack keeps running): ${err.message}`);
    }
  }
} catch (err) {
  console.error(`[dev] ${err.message}`);
  await shutdown(1);
}

/** A connection string with its password replaced by `***` (for the log). @param {string} url */
function withoutPassword(url) {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
