// Load generators, each in its own process: wrk (HTTP, C, cheap on a 2-core machine) against the worker,
// pgbench against the same pgbouncer/PostgreSQL for the baselines.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pgEnv } from "../lib/postgres.mjs";

const running = new Set();

/** Kills the load generators still running (Ctrl-C). */
export function killLoadGenerators() {
  for (const child of running) child.kill("SIGKILL");
}

function run(cmd, args, { timeoutMs, env = process.env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(err);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// wrk's Lua hooks: `done` prints the summary as one JSON line; `setup` numbers the threads so dynamic
// request generators can make ids unique across threads.
const WRK_REPORT = `
local threads, next_id = {}, 0
function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end
function done(summary, latency, requests)
  local e, sent = summary.errors, 0
  for _, thread in ipairs(threads) do sent = sent + (thread:get("sent") or 0) end
  io.write(string.format('WRK_JSON {"requests":%d,"sent":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, sent, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;

// After the case's own Lua: every request written is counted (`sent`), including those still in flight
// when wrk stops, whose answers `requests` never sees but whose database requests the endpoint counted.
const WRK_COUNT_SENT = `
local case_request, static_request = request, nil
sent = 0
request = function()
  sent = sent + 1
  if case_request then return case_request() end
  if not static_request then static_request = wrk.format() end
  return static_request
end
`;

/**
 * Runs wrk for `seconds` at `connections` against `url`. `headers` go on every request; `requestLua`
 * (optional) defines `request()` (and `init(args)`) for requests that differ each time.
 * Returns { requests (answered), sent (written, answered or not), rps, p50_ms, p99_ms, errors, non2xx }.
 */
export async function runWrk({ url, seconds, connections, threads = 2, headers = {}, requestLua = "", dir, name }) {
  const script = path.join(dir, `${name}.lua`);
  fs.writeFileSync(script, `${WRK_REPORT}\n${requestLua}\n${WRK_COUNT_SENT}`);
  const args = [
    "-t",
    String(threads),
    "-c",
    String(connections),
    "-d",
    `${seconds}s`,
    "--timeout",
    "10s",
    "-s",
    script,
  ];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  args.push(url);
  const out = await run("wrk", args, { timeoutMs: (seconds + 30) * 1000 });
  const line = out.stdout.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (!line) throw new Error(`wrk printed no summary (exit ${out.code ?? out.signal}): ${out.stderr || out.stdout}`);
  const r = JSON.parse(line.slice("WRK_JSON ".length));
  const durationS = r.duration_us / 1e6;
  return {
    requests: r.requests,
    sent: r.sent,
    rps: r.requests / durationS,
    p50_ms: r.p50_us / 1000,
    p99_ms: r.p99_us / 1000,
    non2xx: r.status,
    errors: r.connect + r.read + r.write + r.timeout,
  };
}

/**
 * pgbench running `script` (the SQL file): with a connection per transaction (-C), like a request that
 * opens its own; or, `persistent`, on connections held for the whole run (the ceiling of that SQL).
 * Returns { tps, transactions, failed, aborted }.
 */
export async function runPgbench({ pgBin, port, database, script, seconds, clients, threads = 2, persistent = false }) {
  const bin = fs.existsSync(path.join(pgBin, "pgbench")) ? path.join(pgBin, "pgbench") : "pgbench";
  const args = [
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-U",
    "postgres",
    "-n",
    ...(persistent ? [] : ["-C"]),
    "-M",
    "simple",
    "-c",
    String(clients),
    "-j",
    String(threads),
    "-T",
    String(seconds),
    "-f",
    script,
    database,
  ];
  const out = await run(bin, args, { timeoutMs: (seconds + 30) * 1000, env: pgEnv() });
  const tps = /tps = ([\d.]+)/.exec(out.stdout)?.[1];
  if (!tps)
    throw new Error(
      `pgbench failed (exit ${out.code ?? out.signal}): ${(out.stderr || out.stdout).trim().slice(0, 800)}`,
    );
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out.stdout)?.[1] ?? 0);
  const failed = Number(/number of failed transactions: (\d+)/.exec(out.stdout)?.[1] ?? 0);
  const aborted = /aborted in command|client \d+ aborted/.test(out.stderr) ? out.stderr.trim().split("\n")[0] : null;
  return { tps: Number(tps), transactions, failed, aborted };
}
