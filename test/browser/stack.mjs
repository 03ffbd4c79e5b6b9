// The browser test's stack, as `npm run dev` runs it but throwaway: a PostgreSQL cluster in a temporary
// directory, the migrations, the WebSocket proxy, and `wrangler dev --local` (static assets, KV, queues
// and the rate limiter simulated) on a free port. stop() ends all of it.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, localVars, projectRoot } from "../../scripts/lib/local-vars.mjs";
import { runMigrations } from "../../scripts/lib/migrate.mjs";
import { startNeonHttpEndpoint } from "../../scripts/lib/neon-http-endpoint.mjs";
import { startCluster } from "../../scripts/lib/postgres.mjs";

const binDir = path.join(projectRoot, "node_modules/.bin");

async function waitForHealth(url, child, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode})`);
    try {
      const res = await fetch(`${url}/health`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url}/health did not answer in ${timeoutMs / 1000} s`);
}

/** @param {{ log?: (line: string) => void }} [options] */
export async function startBrowserStack({ log = () => {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "payments-edge-browser-"));
  fs.chmodSync(dir, 0o755);
  const stops = [() => fs.rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const fn of stops.reverse()) await Promise.resolve(fn()).catch(() => {});
  };
  try {
    const cluster = await startCluster({ dir: path.join(dir, "pg"), port: await freePort(), database: "payments" });
    stops.push(() => cluster.stop("immediate"));
    await runMigrations(cluster.url);
    const endpoint = await startNeonHttpEndpoint({ port: 0 });
    stops.push(endpoint.close);

    const port = await freePort();
    /** @type {Record<string, string>} */
    const vars = { ...localVars(), DATABASE_URL: cluster.url, LOCAL_NEON_HTTP_ENDPOINT: endpoint.url };
    const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--local"];
    args.push("--persist-to", path.join(dir, "wrangler"), "--show-interactive-dev-session=false");
    for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
    const logFile = path.join(dir, "wrangler.log");
    const out = fs.openSync(logFile, "a");
    const child = spawn(path.join(binDir, "wrangler"), args, {
      cwd: projectRoot,
      stdio: ["ignore", out, out],
      env: {
        ...process.env,
        PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
        WRANGLER_SEND_METRICS: "false",
      },
      detached: true,
    });
    stops.push(
      () =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", resolve);
          process.kill(-child.pid, "SIGTERM");
          setTimeout(() => {
            if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
          }, 10_000).unref();
        }),
    );
    const baseUrl = `http://localhost:${port}`;
    try {
      await waitForHealth(baseUrl, child);
    } catch (err) {
      throw new Error(`${err.message}\n${fs.readFileSync(logFile, "utf8").slice(-3000)}`);
    }
    log(`[browser] worker at ${baseUrl} (PostgreSQL on ${cluster.port})`);
    const adminToken = vars.ADMIN_TOKEN;
    if (!adminToken) throw new Error("ADMIN_TOKEN is missing from scripts/local-defaults.vars");
    return { baseUrl, adminToken, databaseUrl: cluster.url, logFile, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
