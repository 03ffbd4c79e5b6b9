// `npm run bench -- --rows N --seconds S --baseline-seconds B --connections C --out FILE --profile DIR`
// Starts PostgreSQL (pgbouncer in transaction mode in front, for pgbench), the local Neon HTTP endpoint
// and the built worker under workerd (Miniflare), seeds N ledger rows on one hot account plus a spread,
// then loads each case (scripts/bench/cases.mjs) with wrk from its own process and compares it, in the
// same run, with: pgbench -C running the very SQL the case sends (recorded from PostgreSQL's statement
// log; the KV-only answers: the trivial worker), that SQL on persistent pgbench connections (the
// ceiling), and the trivial worker. The endpoint's counter gives the database requests per API call;
// /proc gives the CPU each server process spent per call (scripts/bench/cpu.mjs). The yardstick is CPU
// per tier (issue 22): the worker's CPU per call against the floor worker's (floor-worker.ts: one query of
// one row, same bindings and driver; the trivial worker's for the KV-decided answers) loaded just before
// and just after the case, and PostgreSQL's
// CPU per call against its CPU per transaction when pgbench runs the case's own SQL over persistent
// connections.
// Ctrl-C stops everything it started.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../lib/local-vars.mjs";
import { RESET_SQL } from "../lib/neon-http-endpoint.mjs";
import {
  buildWorker,
  ensureDebianCommand,
  localNeonBinding,
  serveWorker,
  startStack,
  UNLIMITED_RATE_LIMITS,
} from "../lib/stack.mjs";
import { adminClient, SPREAD_ACCOUNTS, seed, spreadAccountId } from "./bench-seed.mjs";
import { captureStatements, pgbenchScript } from "./capture.mjs";
import { deepCursor, defineCases, TRIVIAL_WORKER } from "./cases.mjs";
import { isolateHeap, startCpuCount, useCluster, workerProfiler } from "./cpu.mjs";
import { killLoadGenerators, runPgbench, runWrk } from "./load.mjs";
import { printTable, toJson } from "./report.mjs";

const started = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv) {
  const opts = {
    rows: 1_000_000,
    seconds: 10,
    baselineSeconds: null,
    connections: 32,
    out: null,
    profile: null,
    only: null,
    pgbouncer: true,
    rounds: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--rows") opts.rows = Number(next().replace(/_/g, ""));
    else if (a === "--seconds") opts.seconds = Number(next());
    else if (a === "--baseline-seconds") opts.baselineSeconds = Number(next());
    else if (a === "--connections") opts.connections = Number(next());
    else if (a === "--out") opts.out = next();
    else if (a === "--profile") opts.profile = next();
    else if (a === "--only") opts.only = new RegExp(next(), "i");
    else if (a === "--no-pgbouncer") opts.pgbouncer = false;
    else if (a === "--rounds") opts.rounds = Number(next());
    else if (a === "--help" || a === "-h") {
      console.log(
        "npm run bench -- [--rows 1000000] [--seconds 10] [--baseline-seconds seconds/5] [--connections 32] [--out FILE] [--only REGEX] [--profile DIR] [--no-pgbouncer] [--rounds 1]",
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(opts.rows) || opts.rows < 1000) throw new Error("--rows must be an integer >= 1000");
  if (!(opts.seconds >= 1)) throw new Error("--seconds must be >= 1");
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error("--rounds must be an integer >= 1");
  // Each database case runs pgbench twice (-C and persistent): a fifth of the case's time each keeps
  // the quick run (--seconds 5) under three minutes. A 1 s pgbench run lands within ~10% of a 5 s one
  // on this machine kind; pass --baseline-seconds for longer baselines.
  opts.baselineSeconds ??= Math.max(1, Math.round(opts.seconds / 5));
  if (!Number.isInteger(opts.baselineSeconds) || opts.baselineSeconds < 1)
    throw new Error("--baseline-seconds must be an integer >= 1");
  return opts;
}

async function send(k, id) {
  const sample = k.sample ? k.sample(id) : null;
  const headers = sample?.headers ?? { ...k.headers, ...(id ? { "idempotency-key": id } : {}) };
  const res = await fetch(k.url, { method: k.method ?? "GET", headers, body: sample?.body ?? k.body });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/**
 * One request per spread account, 16 at a time: the account's edge state (KV, filled from the database
 * on a miss) is then cached, as it is for a steady stream. Without it, most requests of a short case
 * would be an account's first and pay a second database request for that fill.
 */
async function warmSpreadAccounts(k, keyPrefix, check) {
  const ids = Array.from({ length: SPREAD_ACCOUNTS }, (_, i) => spreadAccountId(i + 1));
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(
      ids.slice(i, i + 16).map(async (id, j) => {
        const one = { ...k, url: k.url.replace(spreadAccountId(1), id) };
        check(k, await send(one, k.idempotent ? `${keyPrefix}-${i + j}` : undefined));
      }),
    );
  }
}

/** The endpoint's request total once the worker has finished what wrk left in flight. */
async function settledDbRequests(stack) {
  let last = stack.endpoint.counts().requests;
  for (let i = 0; i < 30; i++) {
    await sleep(100);
    const now = stack.endpoint.counts().requests;
    if (now === last) return now;
    last = now;
  }
  return last;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  console.log(
    `[bench] rows ${opts.rows.toLocaleString("en")}, ${opts.seconds} s per case (pgbench ${opts.baselineSeconds} s), ` +
      `${opts.connections} connections; ${os.cpus().length} CPUs (${os.cpus()[0]?.model?.trim() ?? "?"}), ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  if (!ensureDebianCommand("wrk")) throw new Error("wrk is required (apt-get install wrk)");
  const stack = await startStack({
    pgbouncer: opts.pgbouncer,
    statementLog: true,
    // The bench measures the service, not Miniflare's simulation of the limiter (UNLIMITED_RATE_LIMITS).
    workerVars: UNLIMITED_RATE_LIMITS,
    // --profile: the worker's V8 profile per case and its isolate's heap, over workerd's inspector.
    ...(opts.profile ? { inspectorPort: await freePort() } : {}),
  });
  stack.cleanups.add("load generators", killLoadGenerators, killLoadGenerators);
  // CPU counts only this run's PostgreSQL and workerd processes (others may share the machine).
  useCluster(stack.cluster.dir);
  try {
    const baseUrl = stack.worker.url;
    const admin = await adminClient(baseUrl, stack.vars.ADMIN_TOKEN);
    /** @type {Awaited<ReturnType<typeof seed>> & { deepCursor?: unknown }} */
    const creds = await seed({ baseUrl, adminToken: stack.vars.ADMIN_TOKEN, pgUrl: stack.pgUrl, rows: opts.rows });
    creds.deepCursor = await deepCursor(stack.pgUrl, creds.hotAccountId, opts.rows);
    const runTag = `b${Date.now().toString(36)}`;
    let cases = defineCases(creds, { rows: opts.rows, baseUrl, runTag, vars: stack.vars });
    if (opts.only) cases = cases.filter((k) => opts.only.test(k.name));

    const work = path.join(stack.dir, "cases");
    fs.mkdirSync(work, { recursive: true });
    const dbPort = stack.pgbouncer?.port ?? stack.pgPort;
    const results = [];

    // Warm-up: the first requests of a fresh isolate pay for JIT and caches.
    const warm = cases.find((k) => k.kind === "list");
    if (warm) {
      await runWrk({
        url: warm.url,
        seconds: 2,
        connections: opts.connections,
        headers: warm.headers,
        dir: work,
        name: "warmup",
      });
    }

    // One statement-logging session records, for every case, the SQL its request sends (after two
    // requests that fill the edge caches: key, account).
    const slugOf = (k) => k.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
    const captureKeyOf = (k) => `${runTag}-capture-${slugOf(k)}`;
    const check = (k, r) => {
      const ok = k.expect ? k.expect(r.status, r.body) : r.status >= 200 && r.status < 300;
      if (!ok) throw new Error(`${k.name}: ${r.status} ${r.text.slice(0, 300)}`);
      return r;
    };
    // Before the statement log is on (it would log them all): the edge state of every spread account.
    for (const k of cases.filter((c) => c.warmEveryAccount))
      await warmSpreadAccounts(k, `${runTag}-warm-${slugOf(k)}-acct`, check);

    const t0 = Date.now();
    const captured = await captureStatements(
      { pgUrl: stack.pgUrl, logFile: stack.statementLogFile },
      cases.flatMap((k) => [
        {
          name: `warm-up: ${k.name}`,
          fn: async () => {
            if (k.gateway) await admin("PUT", "/gateway-status", { status: k.gateway });
            for (let i = 0; i < 2; i++)
              check(k, await send(k, k.idempotent ? `${runTag}-warm-${slugOf(k)}-${i}` : undefined));
          },
        },
        {
          name: k.name,
          fn: async () => {
            k.recordedAnswer = check(k, await send(k, k.idempotent ? captureKeyOf(k) : undefined)).body;
          },
        },
        // A step of its own: setting the gateway writes its audit row, which is not the case's SQL.
        ...(k.gateway
          ? [{ name: `reset: ${k.name}`, fn: () => admin("PUT", "/gateway-status", { status: "ok" }) }]
          : []),
      ]),
    );
    for (const k of cases) {
      const n = captured.get(k.name)?.length ?? 0;
      if (k.kind === "kv" && n > 0) throw new Error(`${k.name} sent ${n} statements to PostgreSQL: it is not KV-only`);
      if (k.kind !== "kv" && n === 0) throw new Error(`${k.name}: no SQL recorded`);
    }
    console.log(`[bench] recorded the SQL of ${cases.length} cases (${Date.now() - t0} ms)`);

    /** pgbench's req/s and, `persistent`, PostgreSQL's CPU per transaction (the case's SQL alone). */
    const pgbench = async (k, script, persistent) => {
      const cpu = persistent ? startCpuCount() : null;
      const r = await runPgbench({
        pgBin: stack.pgBin,
        port: dbPort,
        database: "payments",
        script,
        seconds: opts.baselineSeconds,
        clients: opts.connections,
        persistent,
      });
      if (r.aborted || r.failed) {
        throw new Error(
          `${k.name}: pgbench${persistent ? "" : " -C"} failed: ${r.aborted ?? `${r.failed} failed`}\n${fs.readFileSync(script, "utf8")}`,
        );
      }
      return { tps: r.tps, pgCpu: cpu?.stop(r.transactions)?.postgres ?? null };
    };
    const via = stack.pgbouncer ? "pgbouncer" : "PostgreSQL";

    /** The case's SQL under pgbench -C (its baseline) and on persistent connections (ceiling, SQL CPU). */
    const sqlBaselines = async (k) => {
      if (k.kind === "kv")
        return { baseline: "trivial worker", baselineRps: null, ceiling: null, ceilingRps: null, sqlCpu: null };
      const statements = captured.get(k.name);
      const substitutions = [];
      const preamble = [];
      if (k.idempotent) {
        preamble.push("\\set r random(1, 1000000000000)");
        substitutions.push([captureKeyOf(k), `pgb-${runTag}-:client_id-:r`]);
      }
      if (k.spread) {
        preamble.push(`\\set acct 100000000000 + random(1, ${SPREAD_ACCOUNTS})`);
        substitutions.push([spreadAccountId(1), "00000000-0000-4000-8000-:acct"]);
      }
      if (k.substitutions) substitutions.push(...k.substitutions(k.recordedAnswer));
      const script = path.join(work, `${slugOf(k)}.sql`);
      fs.writeFileSync(script, pgbenchScript(statements, { substitutions, preamble }));
      const stmts = `${statements.length} stmt${statements.length === 1 ? "" : "s"}`;
      const baselineRps = (await pgbench(k, script, false)).tps;
      const { tps: ceilingRps, pgCpu: sqlCpu } = await pgbench(k, script, true);
      return {
        baseline: `pgbench -C (${stmts})`,
        baselineRps,
        ceiling: `pgbench, persistent via ${via}`,
        ceilingRps,
        sqlCpu,
      };
    };

    /** One round's load of one case under wrk: its req/s, latencies, CPU per call and database requests. */
    const loadCase = async (k, trivialRps) => {
      const slug = slugOf(k);
      const prepared = k.prepare ? k.prepare({ dir: work, seconds: opts.seconds, trivialRps }) : {};
      const requestLua = prepared.requestLua ?? k.requestLua ?? "";
      stack.endpoint.reset();
      const profiler = opts.profile ? await workerProfiler(stack.inspectorPort, stack.config.name) : null;
      await profiler?.start();
      const cpu = startCpuCount();
      const load = await runWrk({
        url: k.url,
        seconds: opts.seconds,
        connections: opts.connections,
        headers: requestLua ? {} : k.headers,
        requestLua,
        dir: work,
        name: slug,
      });
      const cpuPerCall = cpu.stop(load.requests);
      if (profiler) {
        fs.mkdirSync(opts.profile, { recursive: true });
        fs.writeFileSync(path.join(opts.profile, `${slug}.cpuprofile`), JSON.stringify(await profiler.stop()));
        profiler.close();
      }
      const dbRequests = await settledDbRequests(stack);
      if (prepared.events !== undefined && load.sent > prepared.events) {
        console.log(
          `[bench] NOTE: ${k.name}: ${load.sent} requests for ${prepared.events} signed events: the rest were redeliveries`,
        );
      }
      return { load, cpuPerCall, dbRequests };
    };

    // --rounds N: the trivial worker, the floor worker and every case, N times in turn; a case reports the
    // median of its rounds. Each round writes under keys and webhook ids of its own.
    /** @type {Map<string, { load: any, cpuPerCall: any, dbRequests: number, adjacent: number | null, workerRatio: number | null, roundStartRatio: number | null }[]>} */
    const samples = new Map();
    /** @type {Map<string, Awaited<ReturnType<typeof sqlBaselines>>>} */
    const baselines = new Map();
    const roundBaselines = [];
    let reset = null;
    // With the inspector on (--profile): the isolate's heap before the first case and after the last.
    const heapBefore = opts.profile ? await isolateHeap(stack.inspectorPort, stack.config.name) : null;
    const baselineWorkers = await startBaselineWorkers(stack, opts, work);
    stack.cleanups.add("baseline workers", baselineWorkers.dispose);
    // A worker's CPU per call moves with what else the two cores are doing (autovacuum after the writes,
    // pgbench's backends, the previous case): up to ±15% between a round's start and its last case. So each
    // case's worker_cpu_ratio divides by its baseline worker loaded just before and just after it (the mean
    // of the two windows), not by the round's first measurement.
    const windowSeconds = Math.max(2, Math.round(opts.seconds / 2));
    for (let round = 1; round <= opts.rounds; round++) {
      const roundLabel = opts.rounds > 1 ? ` (round ${round} of ${opts.rounds})` : "";
      // The trivial worker under the same workerd: every case's trivial_ratio, the KV-only cases' baseline.
      const trivial = await baselineWorkers.measure("trivial", opts.seconds);
      console.log(
        `[bench] trivial worker${roundLabel}: ${trivial.rps.toFixed(0)} req/s${trivial.cpu ? `; CPU ms/call worker ${trivial.cpu.worker}` : ""}`,
      );
      // The floor worker: one query of one row per request, through the same binding, driver and endpoint.
      const floor = await baselineWorkers.measure("floor", opts.seconds);
      console.log(
        `[bench] floor worker${roundLabel}: ${floor.rps.toFixed(0)} req/s${floor.cpu ? `; CPU ms/call worker ${floor.cpu.worker}, endpoint ${floor.cpu.endpoint}, postgres ${floor.cpu.postgres}` : ""}`,
      );
      roundBaselines.push({ trivial, floor });

      if (round === 1) {
        // What the endpoint's reset of a pooled connection (Neon's too) costs PostgreSQL per request: its
        // statements alone under pgbench, on persistent connections.
        const resetScript = path.join(work, "connection-reset.sql");
        // One compound statement (`\\;`), as the endpoint sends it: one message, one round trip.
        fs.writeFileSync(resetScript, `${RESET_SQL.split(/;\s*/).filter(Boolean).join(" \\; ")};\n`);
        reset = await pgbench({ name: "connection reset" }, resetScript, true);
        console.log(
          `[bench] pooled-connection reset: ${reset.tps.toFixed(0)}/s, PostgreSQL CPU ${reset.pgCpu} ms each`,
        );
      }

      const roundCases =
        round === 1
          ? cases
          : defineCases(creds, { rows: opts.rows, baseUrl, runTag: `${runTag}r${round}`, vars: stack.vars }).filter(
              (k) => baselines.has(k.name),
            );
      /** The last baseline window, when nothing ran between it and the next case. */
      let lastWindow = null;
      for (const k of roundCases) {
        if (k.gateway) await admin("PUT", "/gateway-status", { status: k.gateway });
        try {
          const baseKind = k.kind === "kv" ? "trivial" : "floor";
          const before =
            lastWindow?.kind === baseKind
              ? lastWindow.cpu
              : (await baselineWorkers.measure(baseKind, windowSeconds)).cpu;
          const sample = await loadCase(k, trivial.rps);
          const after = (await baselineWorkers.measure(baseKind, windowSeconds)).cpu;
          lastWindow = { kind: baseKind, cpu: after };
          const adjacent =
            before?.worker && after?.worker ? Math.round(((before.worker + after.worker) / 2) * 1000) / 1000 : null;
          const workerRatio = ratioOf(sample.cpuPerCall?.worker, adjacent);
          // The yardstick as it was before the flanking windows: the round's first baseline measurement.
          const roundStartRatio = ratioOf(
            sample.cpuPerCall?.worker,
            (baseKind === "trivial" ? trivial : floor).cpu?.worker,
          );
          samples.set(k.name, [...(samples.get(k.name) ?? []), { ...sample, adjacent, workerRatio, roundStartRatio }]);
          if (round === 1) {
            baselines.set(k.name, await sqlBaselines(k));
            lastWindow = null;
          }
          const base = baselines.get(k.name);
          if (!base) throw new Error(`${k.name}: no baselines recorded in round 1`);
          const { baseline, baselineRps, ceilingRps, sqlCpu } = base;
          const { load, cpuPerCall } = sample;
          const vsBaseline = baselineRps ?? trivial.rps;
          const pgRatio = k.kind === "kv" ? null : ratioOf(cpuPerCall?.postgres, sqlCpu);
          console.log(
            `[bench] ${k.name}${roundLabel}: ${load.rps.toFixed(0)} req/s (p50 ${load.p50_ms.toFixed(1)} ms, p99 ${load.p99_ms.toFixed(1)} ms` +
              `${load.non2xx || load.errors ? `, ${load.non2xx} non-2xx, ${load.errors} socket errors` : ""}), ` +
              `${load.sent > 0 ? (sample.dbRequests / load.sent).toFixed(3) : "-"} db requests/call; ` +
              `vs ${baseline} ${vsBaseline.toFixed(0)}/s → ${(load.rps / vsBaseline).toFixed(2)}` +
              `${ceilingRps ? `, ceiling ${ceilingRps.toFixed(0)}/s → ${(load.rps / ceilingRps).toFixed(2)}` : ""}, trivial → ${(load.rps / trivial.rps).toFixed(2)}` +
              `${cpuPerCall ? `; CPU ms/call worker ${cpuPerCall.worker}, endpoint ${cpuPerCall.endpoint}, postgres ${cpuPerCall.postgres}` : ""}` +
              `${workerRatio !== null ? `; worker CPU ratio ${workerRatio.toFixed(2)} (${baseKind} ${before?.worker}/${after?.worker} ms before/after; round start ${roundStartRatio?.toFixed(2)})` : ""}` +
              `${pgRatio !== null ? `, PostgreSQL CPU ratio ${pgRatio.toFixed(2)} (pgbench SQL ${sqlCpu} ms)` : ""}`,
          );
        } finally {
          if (k.gateway) await admin("PUT", "/gateway-status", { status: "ok" });
        }
      }
    }

    const trivialRps = median(roundBaselines.map((r) => r.trivial.rps));
    const trivialCpu = medianCpu(roundBaselines.map((r) => r.trivial.cpu));
    const floorRps = median(roundBaselines.map((r) => r.floor.rps));
    const floorCpu = medianCpu(roundBaselines.map((r) => r.floor.cpu));
    for (const k of cases) {
      const rounds = samples.get(k.name) ?? [];
      const { baseline, baselineRps, ceiling, ceilingRps, sqlCpu } = baselines.get(k.name);
      const rps = median(rounds.map((r) => r.load.rps));
      const cpuPerCall = medianCpu(rounds.map((r) => r.cpuPerCall));
      const sent = rounds.reduce((n, r) => n + r.load.sent, 0);
      const dbRequests = rounds.reduce((n, r) => n + r.dbRequests, 0);
      const base = baselineRps ?? trivialRps;
      const workerRatios = rounds.map((r) => r.workerRatio);
      const roundStartRatios = rounds.map((r) => r.roundStartRatio);
      const result = {
        name: k.name,
        kind: k.kind,
        rps,
        p50_ms: median(rounds.map((r) => r.load.p50_ms)),
        p99_ms: median(rounds.map((r) => r.load.p99_ms)),
        baseline,
        baseline_rps: base,
        ratio: rps / base,
        db_requests: dbRequests,
        // The calls made: every request wrk wrote, including the few still in flight when it stopped.
        api_calls: sent,
        db_requests_per_call: sent > 0 ? dbRequests / sent : null,
        ceiling,
        ceiling_rps: ceilingRps,
        ceiling_ratio: ceilingRps ? rps / ceilingRps : null,
        trivial_rps: trivialRps,
        trivial_ratio: rps / trivialRps,
        cpu_ms_per_call: cpuPerCall,
        // CPU per tier: the worker's against the floor worker's (the trivial worker's for KV answers) loaded
        // just before and after it, the median over the rounds; PostgreSQL's against what the case's SQL
        // alone costs it.
        worker_cpu_ratio: workerRatios.includes(null) ? null : median(workerRatios),
        // The same against the round's first baseline measurement (how runs 1–8 divided).
        worker_cpu_ratio_round_start: roundStartRatios.includes(null) ? null : median(roundStartRatios),
        sql_cpu_ms_per_call: sqlCpu,
        pg_cpu_ratio: k.kind === "kv" ? null : ratioOf(cpuPerCall?.postgres, sqlCpu),
        non2xx: rounds.reduce((n, r) => n + r.load.non2xx, 0),
        errors: rounds.reduce((n, r) => n + r.load.errors, 0),
        requests: rounds.reduce((n, r) => n + r.load.requests, 0),
        ...(opts.rounds > 1
          ? {
              rounds: rounds.map((r) => ({
                rps: r.load.rps,
                cpu_ms_per_call: r.cpuPerCall,
                baseline_cpu_ms_per_call: r.adjacent,
                worker_cpu_ratio: r.workerRatio,
                worker_cpu_ratio_round_start: r.roundStartRatio,
              })),
            }
          : {}),
      };
      results.push(result);
      if (opts.rounds > 1) {
        console.log(
          `[bench] ${k.name}: median of ${rounds.length} rounds: worker CPU ${cpuPerCall?.worker} ms, ratio ${result.worker_cpu_ratio?.toFixed(2)} (rounds ${workerRatios.map((x) => x?.toFixed(2)).join(", ")})`,
        );
      }
    }

    const heapAfter = opts.profile ? await isolateHeap(stack.inspectorPort, stack.config.name) : null;
    if (heapBefore && heapAfter) {
      console.log(
        `[bench] worker isolate heap (MiB used of total): ${heapBefore.used} of ${heapBefore.total} before the cases, ` +
          `${heapAfter.used} of ${heapAfter.total} after`,
      );
    }

    // Writes must have kept every balance equal to the sum of its entries.
    const ledgerCheck = stack.psql(
      `SELECT count(*) FROM accounts a WHERE a.workspace_id = '${creds.workspaceId}' AND a.balance <> coalesce((SELECT sum(amount) FROM ledger_entries e WHERE e.account_id = a.id), 0)`,
    );
    const mismatches = Number(ledgerCheck.trim());
    // Double-entry over the whole ledger: unbalanced transactions, trial balance, balances vs legs.
    const imbalances = stack
      .psql("SELECT kind || ' ' || count(*) FROM ledger_imbalances GROUP BY kind")
      .trim()
      .split("\n")
      .filter(Boolean);
    const totalS = (Date.now() - started) / 1000;
    const meta = {
      rows: opts.rows,
      seconds: opts.seconds,
      baseline_seconds: opts.baselineSeconds,
      connections: opts.connections,
      pgbouncer: !!stack.pgbouncer,
      trivial_rps: trivialRps,
      trivial_cpu_ms_per_call: trivialCpu?.worker ?? null,
      floor_rps: floorRps,
      floor_cpu_ms_per_call: floorCpu?.worker ?? null,
      floor_cpu_ms_per_call_by_process: floorCpu,
      reset_sql_cpu_ms_per_call: reset?.pgCpu ?? null,
      isolate_heap_mib: heapBefore && heapAfter ? { before_cases: heapBefore, after_cases: heapAfter } : null,
      rounds: opts.rounds,
      ...(opts.rounds > 1
        ? {
            trivial_cpu_ms_per_call_by_round: roundBaselines.map((r) => r.trivial.cpu?.worker ?? null),
            floor_cpu_ms_per_call_by_round: roundBaselines.map((r) => r.floor.cpu?.worker ?? null),
          }
        : {}),
    };
    printTable(results, meta);
    console.log(
      `[bench] ledger check after the writes: ${mismatches} account(s) whose balance differs from its entries; ` +
        `${imbalances.length ? imbalances.join(", ") : "0 unbalanced transactions, trial balance zero"}; ` +
        `seed ${(creds.seedMs / 1000).toFixed(1)} s; total ${totalS.toFixed(1)} s`,
    );
    if (opts.out) {
      const json = toJson(results, {
        ...meta,
        seed_seconds: creds.seedMs / 1000,
        total_seconds: totalS,
        ledger_imbalances: imbalances,
      });
      fs.writeFileSync(opts.out, `${JSON.stringify(json, null, 2)}\n`);
      console.log(`[bench] wrote ${opts.out}`);
    }
    if (mismatches !== 0 || imbalances.length > 0) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

/** a ÷ b, or null when either is missing or b is 0. */
const ratioOf = (/** @type {number | null | undefined} */ a, /** @type {number | null | undefined} */ b) =>
  typeof a === "number" && typeof b === "number" && b > 0 ? a / b : null;

/** The median of `values` (the mean of the middle two for an even count). */
function median(/** @type {number[]} */ values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Each process's median CPU per call over the rounds (null when a round has none: no /proc). */
function medianCpu(/** @type {({ [process: string]: number } | null)[]} */ perRound) {
  if (perRound.length === 0 || perRound.some((c) => !c)) return null;
  const first = /** @type {{ [process: string]: number }} */ (perRound[0]);
  return Object.fromEntries(
    Object.keys(first).map((name) => [
      name,
      Math.round(median(perRound.map((c) => /** @type {any} */ (c)[name])) * 1000) / 1000,
    ]),
  );
}

/**
 * The two baseline workers, each under a workerd of its own started the way the app's is, served for the
 * whole run: the trivial worker (TRIVIAL_WORKER, no bindings) and the floor worker (floor-worker.ts: one
 * query of one row through the same bindings, driver and endpoint as the app). `measure(kind, seconds)`
 * loads one of them under wrk: its req/s and CPU per call.
 */
async function startBaselineWorkers(stack, opts, work) {
  const trivialPath = path.join(work, "trivial", "index.js");
  fs.mkdirSync(path.dirname(trivialPath), { recursive: true });
  fs.writeFileSync(trivialPath, TRIVIAL_WORKER);
  const trivial = await serveWorker({ scriptPath: trivialPath, config: stack.config, bindings: {} });
  const floor = await serveWorker({
    scriptPath: buildWorker(path.join(work, "floor"), path.join("scripts", "bench", "floor-worker.ts")),
    config: stack.config,
    bindings: stack.workerBindings,
    serviceBindings: localNeonBinding(stack.endpoint.port),
  });
  const check = await fetch(`${floor.url}/`);
  const body = await check.text();
  if (check.status !== 200 || body !== '{"one":1}') throw new Error(`floor worker answered ${check.status} ${body}`);
  const urls = { trivial: trivial.url, floor: floor.url };
  return {
    /** @param {"trivial" | "floor"} kind @param {number} seconds */
    async measure(kind, seconds) {
      const cpu = startCpuCount();
      const t = await runWrk({ url: `${urls[kind]}/`, seconds, connections: opts.connections, dir: work, name: kind });
      return { rps: t.rps, cpu: cpu.stop(t.requests) };
    },
    dispose: () => Promise.all([trivial.dispose(), floor.dispose()]),
  };
}

main().catch((err) => {
  console.error(`[bench] ${err.stack ?? err.message}`);
  killLoadGenerators();
  process.exitCode = 1;
});
