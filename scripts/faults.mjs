// `npm run test:faults`: PostgreSQL dies in the middle of a stream of spec 002 writes.
// The real worker (built by wrangler, served by workerd through Miniflare) takes add-funds and
// record-usage calls, each with its own Idempotency-Key, while PostgreSQL is stopped with
// `pg_ctl stop -m immediate` twice and restarted. While it is down, writes must answer 503 in the
// surface's error shape within a bounded time and the KV-decided answers of spec 000 must still be 200.
// Afterwards every call that did not get a 2xx is retried with the same key until a 2xx or a definitive
// 4xx, and the ledger is checked: every key posted exactly once, sum(entries) == balance everywhere, and
// every trigger-kept counter equals count(*) (the counter_drift view).
// Options: --pgbouncer (run behind pgbouncer in transaction mode), --seconds N (stream length scale).
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { adminClient } from "./bench/seed.mjs";
import { startStack, UNMETERED_RATE_LIMITS } from "./bench/stack.mjs";

const execFileAsync = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const args = process.argv.slice(2);
const usePgbouncer = args.includes("--pgbouncer");
const CONCURRENCY = 8;
const OUTAGE_MS = 3_000;
const UP_MS = 2_000;
const FAULTS = 2;
/** An answer while the database is down must come within this bound (the driver's connect timeout is 5 s). */
const BOUND_MS = usePgbouncer ? 15_000 : 8_000;
const REQUEST_TIMEOUT_MS = 30_000;

const failures = [];
const fail = (msg) => {
  failures.push(msg);
  console.error(`[faults] FAIL: ${msg}`);
};

/** pg_ctl as the cluster's owner, without blocking the event loop (the local Neon HTTP endpoint runs in it). */
async function pgCtl(stack, ...ctlArgs) {
  const bin = path.join(stack.pgBin, "pg_ctl");
  const [cmd, cmdArgs] =
    process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", bin, ...ctlArgs]] : [bin, ctlArgs];
  await execFileAsync(cmd, cmdArgs);
}
const stopPostgres = (stack) => pgCtl(stack, "-D", stack.cluster.dir, "-m", "immediate", "-w", "stop");
const startPostgres = (stack) =>
  pgCtl(
    stack,
    "-D",
    stack.cluster.dir,
    "-l",
    path.join(stack.cluster.dir, "server.log"),
    "-o",
    `-p ${stack.pgPort}`,
    "-w",
    "-t",
    "60",
    "start",
  );

async function main() {
  console.log(
    `[faults] ${usePgbouncer ? "behind pgbouncer (transaction mode)" : "worker → local Neon HTTP endpoint → PostgreSQL directly"}`,
  );
  // synchronous_commit on: an acknowledged commit must survive the immediate stop (the dev cluster's
  // `off` trades exactly that durability for speed).
  // Its own rate limits: the suite retries every call until it lands, which must never meet a 429.
  const stack = await startStack({
    pgbouncer: usePgbouncer,
    pgConf: ["synchronous_commit = on"],
    workerVars: UNMETERED_RATE_LIMITS,
  });
  try {
    await run(stack);
  } finally {
    await stack.stop();
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (failures.length) {
    console.error(`[faults] ${failures.length} failure(s) in ${secs} s`);
    process.exitCode = 1;
  } else console.log(`[faults] passed in ${secs} s`);
}

async function run(stack) {
  const base = stack.worker.url;
  const admin = await adminClient(base, stack.vars.ADMIN_TOKEN);
  const runTag = `f${Date.now().toString(36)}`;

  // The tenant: four accounts written by one workspace key; KV-only probes for spec 000.
  const ws = await admin("POST", "/workspaces", { name: "Fault merchant" });
  const accounts = [];
  for (let i = 0; i < 4; i++)
    accounts.push((await admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "EUR" })).id);
  const key = (
    await admin("POST", `/workspaces/${ws.id}/api-keys`, {
      permissions: ["transactions.read", "funds.write", "usage.write"],
    })
  ).key;
  const setupAccount = await admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "EUR", status: "setup" });
  const setupKey = (
    await admin("POST", `/workspaces/${ws.id}/api-keys`, {
      account_id: setupAccount.id,
      permissions: ["payments.read"],
    })
  ).key;
  const readerKey = (
    await admin("POST", `/workspaces/${ws.id}/api-keys`, { account_id: accounts[0], permissions: ["payments.read"] })
  ).key;

  let seq = 0;
  let httpRequests = 0;
  const ops = [];
  const newOp = (kind, account) => {
    const n = ++seq;
    const idempotencyKey = `${runTag}-${n}`;
    // Unique amounts (add-funds) and details (record-usage) tie every ledger row to its call.
    const body =
      kind === "add-funds"
        ? { amount: `${100 + n}.25` }
        : { details: idempotencyKey, amount: "0.37", date: new Date().toISOString() };
    const op = { n, kind, account, idempotencyKey, body, attempts: [] };
    ops.push(op);
    return op;
  };
  const send = async (op, phase) => {
    const t0 = Date.now();
    httpRequests++;
    let status = 0;
    let json;
    try {
      const res = await fetch(`${base}/v1/account/${op.account}/transactions/${op.kind}`, {
        method: "POST",
        headers: { api_key: key, "content-type": "application/json", "idempotency-key": op.idempotencyKey },
        body: JSON.stringify(op.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      json = await res.json().catch(() => undefined);
      if (res.headers.get("idempotent-replayed") === "true") op.replayed = true;
    } catch {
      status = 0; // no answer (timeout or connection error): retried later
    }
    const attempt = { status, json, ms: Date.now() - t0, start: t0, phase };
    op.attempts.push(attempt);
    return attempt;
  };

  // Opening funds so that usage never hits the overdraft limit.
  for (const account of accounts) {
    const a = await send(newOp("add-funds", account), "setup");
    if (a.status !== 200) throw new Error(`opening add-funds answered ${a.status}: ${JSON.stringify(a.json)}`);
  }

  // KV-only probes must be cached at the edge before the outage.
  await admin("PUT", "/gateway-status", { status: "unavailable", reason: "fault suite" });
  const probes = [];
  const probe = async (phase) => {
    for (const [name, apiKey, check] of [
      ["setup answer", setupKey, (j) => j?.status === false && j?.error === "Account is in setup process"],
      ["gateway unavailable", readerKey, (j) => Array.isArray(j) && j.length === 0],
    ]) {
      const t0 = Date.now();
      httpRequests++;
      let status = 0;
      let ok = false;
      try {
        const res = await fetch(`${base}/api/v1/user/payments`, {
          headers: { "x-api-key": apiKey },
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        status = res.status;
        ok = status === 200 && check(await res.json());
      } catch {
        status = 0;
      }
      probes.push({ name, phase, status, ok, ms: Date.now() - t0 });
    }
  };
  await probe("warm");
  if (!probes.every((p) => p.ok)) throw new Error(`KV-only probes failed before the outage: ${JSON.stringify(probes)}`);

  // The stream, with two outages.
  const outages = [];
  let streaming = true;
  const worker = async (w) => {
    let i = w;
    while (streaming) {
      const kind = i++ % 3 === 0 ? "add-funds" : "record-usage";
      await send(newOp(kind, accounts[(i * 7 + w) % accounts.length]), "stream");
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, (_, w) => worker(w));
  for (let f = 0; f < FAULTS; f++) {
    await sleep(UP_MS);
    const outage = { stoppedAt: Date.now() };
    await stopPostgres(stack);
    outage.downAt = Date.now();
    console.log(`[faults] fault ${f + 1}: PostgreSQL stopped (pg_ctl stop -m immediate)`);
    const probeUntil = Date.now() + OUTAGE_MS;
    while (Date.now() < probeUntil) {
      await probe("outage");
      await sleep(200);
    }
    outage.restartAt = Date.now();
    await startPostgres(stack);
    outage.upAt = Date.now();
    outages.push(outage);
    console.log(`[faults] fault ${f + 1}: PostgreSQL restarted after ${outage.upAt - outage.stoppedAt} ms`);
  }
  await sleep(UP_MS);
  streaming = false;
  await Promise.all(workers);

  // Answers to requests sent while the database was down (after the stop completed, before the restart began).
  const duringOutage = ops.flatMap((op) =>
    op.attempts.filter((a) => outages.some((o) => a.start >= o.downAt && a.start < o.restartAt)),
  );
  const shapeOk = (j) =>
    j?.error?.code === "unavailable" && typeof j.error.message === "string" && typeof j.error.request_id === "string";
  const outage503 = duringOutage.filter((a) => a.status === 503 && shapeOk(a.json));
  const otherDuring = duringOutage.filter((a) => !(a.status === 503 && shapeOk(a.json)));
  const maxOutageMs = Math.max(0, ...duringOutage.map((a) => a.ms));
  console.log(
    `[faults] while down: ${duringOutage.length} writes sent, ${outage503.length} answered 503 {error:{code:"unavailable",…}}, ` +
      `max latency ${maxOutageMs} ms (bound ${BOUND_MS} ms)`,
  );
  if (duringOutage.length === 0) fail("no write was sent while the database was down");
  for (const a of otherDuring.slice(0, 5))
    fail(`write during the outage answered ${a.status}: ${JSON.stringify(a.json)}`);
  if (maxOutageMs > BOUND_MS) fail(`a write during the outage took ${maxOutageMs} ms (bound ${BOUND_MS} ms)`);
  const fiveHundreds = ops.flatMap((op) => op.attempts).filter((a) => a.status === 500);
  if (fiveHundreds.length) fail(`${fiveHundreds.length} answers were 500: ${JSON.stringify(fiveHundreds[0].json)}`);
  const kvDuring = probes.filter((p) => p.phase === "outage");
  const kvOk = kvDuring.filter((p) => p.ok);
  console.log(
    `[faults] KV-only answers while down: ${kvOk.length}/${kvDuring.length} were 200 with the right body, ` +
      `max latency ${Math.max(0, ...kvDuring.map((p) => p.ms))} ms`,
  );
  if (kvOk.length !== kvDuring.length || kvDuring.length === 0) {
    fail(`KV-only answers failed while down: ${JSON.stringify(kvDuring.filter((p) => !p.ok).slice(0, 3))}`);
  }

  // Retry everything that got no 2xx, with the same key and body, until a 2xx or a definitive 4xx.
  const last = (op) => op.attempts[op.attempts.length - 1];
  const settled = (op) => {
    const s = last(op).status;
    return (s >= 200 && s < 300) || [400, 401, 403, 404, 422].includes(s);
  };
  let retries = 0;
  for (let round = 0; round < 20 && ops.some((op) => !settled(op)); round++) {
    const pending = ops.filter((op) => !settled(op));
    for (let i = 0; i < pending.length; i += CONCURRENCY) {
      await Promise.all(
        pending.slice(i, i + CONCURRENCY).map((op) => {
          retries++;
          return send(op, "retry");
        }),
      );
    }
    if (ops.some((op) => !settled(op))) await sleep(300);
  }
  const unsettled = ops.filter((op) => !settled(op));
  if (unsettled.length) fail(`${unsettled.length} calls never settled (last: ${last(unsettled[0]).status})`);
  const definitive4xx = ops.filter((op) => last(op).status >= 400);
  for (const op of definitive4xx.slice(0, 5))
    fail(`call ${op.idempotencyKey} ended ${last(op).status}: ${JSON.stringify(last(op).json)}`);
  const replayedAfterFault = ops.filter((op) => op.replayed && op.attempts.some((a) => a.status !== 200)).length;

  await admin("PUT", "/gateway-status", { status: "ok" });

  // The ledger: every key exactly once; sum(entries) == balance on every account.
  const client = new pg.Client({ connectionString: stack.pgUrl });
  await client.connect();
  let mismatches = 0;
  let rowsChecked = 0;
  let counterDrift = 0;
  try {
    const { rows: entries } = await client.query(
      `SELECT id::int AS id, account_id::text AS account_id, type, amount::text AS amount, description
       FROM ledger_entries WHERE account_id = ANY($1::uuid[])`,
      [accounts],
    );
    rowsChecked = entries.length;
    const { rows: keys } = await client.query("SELECT scope, key FROM idempotency_keys WHERE key LIKE $1", [
      `${runTag}-%`,
    ]);
    const storedKeys = new Set(keys.map((k) => `${k.scope} ${k.key}`));
    const byUsage = new Map();
    const byFunds = new Map();
    for (const e of entries) {
      const map = e.type === "usage" ? byUsage : byFunds;
      const k =
        e.type === "usage" ? `${e.account_id} ${e.description}` : `${e.account_id} ${Number(e.amount).toFixed(2)}`;
      map.set(k, [...(map.get(k) ?? []), e]);
    }
    let expectedRows = 0;
    for (const op of ops) {
      const posted = last(op).status === 200;
      if (posted) expectedRows++;
      const found =
        op.kind === "record-usage"
          ? (byUsage.get(`${op.account} ${op.idempotencyKey}`) ?? [])
          : (byFunds.get(`${op.account} ${Number(op.body.amount).toFixed(2)}`) ?? []);
      const hasKey = storedKeys.has(`acct:${op.account} ${op.idempotencyKey}`);
      const answeredId = last(op).json?.transaction_id;
      if (found.length !== (posted ? 1 : 0) || hasKey !== posted) {
        mismatches++;
        if (mismatches <= 5) {
          console.error(
            `[faults] mismatch: ${op.kind} ${op.idempotencyKey} ended ${last(op).status}, ${found.length} ledger row(s), key stored: ${hasKey}`,
          );
        }
      } else if (answeredId && answeredId !== `txn_${found[0].id}`) {
        mismatches++;
        console.error(`[faults] mismatch: ${op.idempotencyKey} answered ${answeredId} but posted txn_${found[0].id}`);
      }
    }
    if (entries.length !== expectedRows) {
      mismatches++;
      console.error(`[faults] mismatch: ${entries.length} ledger rows for ${expectedRows} posted calls`);
    }
    const { rows: balances } = await client.query(
      `SELECT a.id::text AS id, a.balance::text AS balance, coalesce(sum(e.amount), 0)::text AS sum
       FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.id HAVING a.balance <> coalesce(sum(e.amount), 0)`,
    );
    for (const b of balances) {
      mismatches++;
      console.error(`[faults] mismatch: account ${b.id} balance ${b.balance} but entries sum to ${b.sum}`);
    }
    // Every trigger-kept counter (entry counts, list totals) against count(*) of what it counts.
    const { rows: drift } = await client.query("SELECT * FROM counter_drift");
    counterDrift = drift.length;
    for (const d of drift) {
      mismatches++;
      console.error(
        `[faults] counter drift: ${d.counter} ${d.owner_id} ${d.dims}: ${d.counted} counted, ${d.actual} rows`,
      );
    }
  } finally {
    await client.end();
  }

  const attempts = ops.flatMap((op) => op.attempts);
  const statusCounts = {};
  for (const a of attempts) statusCounts[a.status] = (statusCounts[a.status] ?? 0) + 1;
  console.log(
    [
      "",
      `requests tried: ${httpRequests} (${ops.length} idempotent writes, ${retries} retries, ${probes.length} KV-only probes)`,
      `write answers: ${JSON.stringify(statusCounts)} (0 = no answer)`,
      `faults injected: ${outages.length} (pg_ctl stop -m immediate, ${OUTAGE_MS} ms down each)`,
      `committed before a fault, answered 503, replayed on retry: ${replayedAfterFault}`,
      `rows checked: ${rowsChecked}`,
      `counter differences from count(*): ${counterDrift}`,
      `mismatches: ${mismatches}`,
    ].join("\n"),
  );
  if (mismatches !== 0) fail(`${mismatches} ledger mismatches`);
}

main().catch((err) => {
  console.error(`[faults] ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
