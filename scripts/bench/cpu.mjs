// Where a case's CPU goes: the CPU time each server process used during the load, per API call, from
// /proc (Linux), and, with `--profile DIR`, a V8 CPU profile of the worker's isolate taken over the
// inspector protocol (open the .cpuprofile in Chrome DevTools → Performance, or any speedscope).
//
// On a 2-core machine every process here competes for the same cores: these figures say which one a
// case is paying for (the worker under workerd, this Node process hosting the local Neon endpoint, or
// PostgreSQL), which req/s alone cannot.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

let ticksPerSecond = 0;

/** The cluster whose PostgreSQL processes count (useCluster); none set: every `postgres` process. */
let clusterDir = "";

/**
 * Counts only the PostgreSQL processes of the cluster in `dir` (its postmaster and the postmaster's
 * children). On a machine others share, their clusters' and workerds' CPU must not land in this run's.
 * @param {string} dir
 */
export function useCluster(dir) {
  clusterDir = dir;
}

/** The postmaster's pid (the first line of postmaster.pid), or 0. */
function postmasterPid() {
  try {
    return Number(fs.readFileSync(`${clusterDir}/postmaster.pid`, "utf8").split("\n")[0]) || 0;
  } catch {
    return 0;
  }
}

/**
 * utime + stime, in clock ticks, of this bench's server processes by pid (threads included), with their
 * role: `worker` (workerd processes this process started, i.e. its descendants), `endpoint` (this
 * process) and `postgres` (the cluster's postmaster and its children; without useCluster, any process
 * named postgres).
 */
function ticksOf() {
  /** @type {Map<number, { comm: string, ppid: number, ticks: number }>} */
  const all = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      // Fields 4, 14 and 15 of stat(5): ppid, utime and stime (the whole process, every thread included).
      all.set(Number(entry), {
        comm: stat.slice(stat.indexOf("(") + 1, close),
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // the process ended while we looked
    }
  }
  const descendsFrom = (/** @type {number} */ pid, /** @type {number} */ root) => {
    for (let p = pid, hops = 0; p > 1 && hops < 50; p = all.get(p)?.ppid ?? 0, hops++) if (p === root) return true;
    return false;
  };
  const postmaster = clusterDir ? postmasterPid() : 0;
  /** @type {Map<number, { role: string, ticks: number }>} */
  const out = new Map();
  for (const [pid, { comm, ppid, ticks }] of all) {
    let role = null;
    if (pid === process.pid) role = "endpoint";
    else if (comm === "workerd" && descendsFrom(pid, process.pid)) role = "worker";
    else if (comm === "postgres" && (clusterDir ? pid === postmaster || ppid === postmaster : true)) role = "postgres";
    if (role) out.set(pid, { role, ticks });
  }
  return out;
}

/**
 * Starts counting; `stop(calls)` answers the CPU milliseconds per API call of each role: `worker`
 * (workerd), `endpoint` (this process: the local Neon HTTP endpoint, plus Miniflare's and the bench's
 * own little work) and `postgres` (every backend).
 */
export function startCpuCount() {
  if (!fs.existsSync("/proc/self/stat")) return { stop: () => null };
  ticksPerSecond ||= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const before = ticksOf();
  return {
    /** @param {number} calls */
    stop(calls) {
      if (!(calls > 0)) return null;
      const after = ticksOf();
      /** @type {Record<string, number>} */
      const used = {};
      // Per process: one that started during the case counts whole; one that ended is lost (a
      // PostgreSQL backend of a closed connection: rare here, the endpoint's pool keeps them).
      for (const [pid, { role, ticks }] of after)
        used[role] = (used[role] ?? 0) + ticks - (before.get(pid)?.ticks ?? 0);
      const perCall = (/** @type {string} */ role) =>
        Math.round(((used[role] ?? 0) * 1000 * 1000) / ticksPerSecond / calls) / 1000;
      return { worker: perCall("worker"), endpoint: perCall("endpoint"), postgres: perCall("postgres") };
    },
  };
}

/**
 * A DevTools protocol session with the worker's isolate over workerd's inspector (Miniflare's
 * `inspectorPort`): `call(method, params)` answers the result, `close()` ends the session.
 * @param {number} inspectorPort @param {string} workerName
 */
async function inspectorSession(inspectorPort, workerName) {
  /** @type {{ title: string, webSocketDebuggerUrl: string }[]} */
  const targets = /** @type {any} */ (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json());
  // Miniflare names each isolate's target; the app's is core:user:<name>.
  const target = targets.find((t) => t.title.endsWith(`core:user:${workerName}`));
  if (!target) throw new Error(`no inspector target for the worker ${workerName}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  let nextId = 0;
  /** @type {Map<number, (message: any) => void>} */
  const pending = new Map();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data));
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  /** @returns {Promise<any>} */
  const call = (/** @type {string} */ method, params = {}) =>
    new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, (message) => resolve(message.result));
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { call, close: () => ws.close() };
}

/**
 * The worker isolate's V8 profiler: `start()`, then `stop()` answers the profile (Chrome's .cpuprofile
 * JSON).
 * @param {number} inspectorPort @param {string} workerName
 */
export async function workerProfiler(inspectorPort, workerName) {
  const { call, close } = await inspectorSession(inspectorPort, workerName);
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 200 });
  return {
    start: () => call("Profiler.start"),
    stop: async () => (await call("Profiler.stop")).profile,
    close,
  };
}

/**
 * The worker isolate's V8 heap, in MiB: `used` (live objects and garbage not yet collected) of `total`
 * (what the heap has reserved). Cloudflare ends an isolate past 128 MB, so a value the isolate keeps per
 * request (an unbounded memo) shows here as `used` growing from one reading to the next. The reading
 * includes garbage not yet collected: workerd's inspector left HeapProfiler.collectGarbage unanswered
 * (no reply in 5 s, 2026-12-05).
 * @param {number} inspectorPort @param {string} workerName
 */
export async function isolateHeap(inspectorPort, workerName) {
  const { call, close } = await inspectorSession(inspectorPort, workerName);
  try {
    const { usedSize, totalSize } = await call("Runtime.getHeapUsage");
    const mib = (/** @type {number} */ bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
    return { used: mib(usedSize), total: mib(totalSize) };
  } finally {
    close();
  }
}
