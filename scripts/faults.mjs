// `npm run test:faults`: the database path dies in the middle of a stream of every kind of money write.
// The real worker (built by wrangler, served by workerd through Miniflare) takes, from 8 concurrent
// clients, each with its own Idempotency-Key or webhook-id:
//   spec 002 add-funds and record-usage · admin adjustments · spec 001 creates followed by their signed
//   PENDING and COMPLETE mobile-money events · spec 003 records (multipart, member token), half of them
//   deleted again · spec 004 creates followed by their signed `completed` crypto-processor event
// while four faults hit it: PostgreSQL stopped with `pg_ctl stop -m immediate` and restarted, the local
// Neon HTTP endpoint closed (its connections cut) and started again on the same port, Neon-style lost
// connections (the endpoint cuts the socket of every connection to PostgreSQL, busy or idle, every 100 ms:
// the queries in flight end in Neon's 400 "connection closed"), PostgreSQL again.
// While a fault lasts, every write must answer 503 in its own surface's error shape within a bound (under
// the lost connections, 503 or its success: a write between two cuts lands), and
// the KV-decided answers of spec 000 must still be 200. Afterwards every unfinished call is retried with
// the same key / webhook-id until it lands (or refuses for good), and its remaining steps run; then the
// database is checked: every call posted exactly once, sum(entries) == balance everywhere, and every
// trigger-kept counter equals count(*) (the counter_drift view).
// Options: --pgbouncer (the stack with pgbouncer in front of PostgreSQL; the worker's endpoint still goes
// straight to PostgreSQL).
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { adminClient } from "./bench/bench-seed.mjs";
import { startStack, UNMETERED_RATE_LIMITS } from "./lib/stack.mjs";
import { signedHeaders } from "./lib/standard-webhooks.mjs";

const execFileAsync = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const args = process.argv.slice(2);
const usePgbouncer = args.includes("--pgbouncer");
const CONCURRENCY = 8;
const OUTAGE_MS = 3_000;
const UP_MS = 2_000;
/** In order: what goes down. */
const FAULTS = ["postgres", "endpoint", "lost-connections", "postgres"];
/** While "lost-connections" lasts, the endpoint cuts its connections to PostgreSQL this often. */
const CUT_EVERY_MS = 100;
/** What each fault is, for the log. */
const FAULT_WORDS = {
  postgres: ["PostgreSQL stopped (pg_ctl stop -m immediate)", "PostgreSQL restarted", "PostgreSQL was down"],
  endpoint: ["local Neon HTTP endpoint closed", "endpoint started again", "the endpoint was down"],
  "lost-connections": [
    `the endpoint's connections to PostgreSQL cut every ${CUT_EVERY_MS} ms (Neon: 400 "connection closed")`,
    "connections no longer cut",
    "connections were cut",
  ],
};
/** An answer while the database is down must come within this bound (the driver's connect timeout is 5 s). */
const BOUND_MS = usePgbouncer ? 15_000 : 8_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** A write sent this close to a restart may reach the database once it is back. */
const RESTART_GRACE_MS = 1_000;
/** Retry rounds after the stream (each waits 300 ms when something is still unsettled). */
const RETRY_ROUNDS = 20;

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
const stopPostgres = (stack) =>
  pgCtl(stack, "-D", stack.cluster.dir, "-m", "immediate", "-w", "stop").catch((err) => {
    // Why it was not running, from its own log.
    const log = path.join(stack.cluster.dir, "server.log");
    const tail = fs.existsSync(log)
      ? fs.readFileSync(log, "utf8").split("\n").slice(-30).join("\n")
      : "(no server.log)";
    throw new Error(`${err.message}\nserver.log:\n${tail}`);
  });
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

/** Each surface's 503 body (their error envelopes differ; see the README's "API surfaces"). */
const UNAVAILABLE_SHAPES = {
  "002": (j) =>
    j?.error?.code === "unavailable" && typeof j.error.message === "string" && typeof j.error.request_id === "string",
  admin: (j) =>
    j?.error?.code === "unavailable" && typeof j.error.message === "string" && typeof j.error.request_id === "string",
  "001": (j) => j?.statusCode === 503 && typeof j.message === "string" && j.error === "Service Unavailable",
  "mobile-money webhook": (j) => j?.error?.code === "unavailable" && typeof j.error.message === "string",
  "003": (j) =>
    j?.error?.code === "unavailable" && typeof j.error.message === "string" && typeof j.error.requestId === "string",
  "004": (j) =>
    j?.error?.code === "service_unavailable" &&
    typeof j.error.message === "string" &&
    typeof j.error.request_id === "string",
  "crypto webhook": (j) =>
    j?.error?.code === "service_unavailable" &&
    typeof j.error.message === "string" &&
    typeof j.error.request_id === "string",
};

/** The kinds of call in the stream, in turn (each client starts at its own place). */
const KINDS = ["record-usage", "add-funds", "adjustment", "001", "003", "004"];

async function main() {
  console.log(
    `[faults] worker → local Neon HTTP endpoint → PostgreSQL${usePgbouncer ? " (pgbouncer started for the stack)" : ""}`,
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

/** The tenant: accounts, keys, a member token and an OAuth token, all through the admin API. */
async function createTenant(base, admin) {
  const ws = await admin("POST", "/workspaces", { name: "Fault merchant" });
  // accounts[0] is the workspace's first account: spec 003 records credit it.
  const accounts = [];
  for (let i = 0; i < 4; i++)
    accounts.push((await admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "EUR" })).id);
  // Spec 004 credits the workspace's USD account.
  const usdAccount = (await admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "USD" })).id;
  const key = (
    await admin("POST", `/workspaces/${ws.id}/api-keys`, {
      permissions: ["transactions.read", "funds.write", "usage.write"],
    })
  ).key;
  // Spec 001 creates with a key bound to accounts[1]: COMPLETE credits it.
  const mmKey = await admin("POST", `/workspaces/${ws.id}/api-keys`, {
    account_id: accounts[1],
    permissions: ["payments.read", "payments.write"],
  });
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
  const member = await admin("POST", `/workspaces/${ws.id}/members`, { email: "faults@example.com", role: "owner" });
  const memberToken = (await admin("POST", `/members/${member.id}/tokens`, {})).token;
  const client = await admin("POST", `/workspaces/${ws.id}/oauth-clients`, {
    name: "Fault shop",
    scopes: ["read", "write"],
  });
  const res = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials&scope=read%20write",
  });
  const token = /** @type {{ access_token: string }} */ (await res.json());
  if (!res.ok) throw new Error(`POST /oauth/token answered ${res.status}: ${JSON.stringify(token)}`);
  return {
    workspaceId: ws.id,
    accounts,
    usdAccount,
    allAccounts: [...accounts, usdAccount, setupAccount.id],
    key,
    mmKeyId: mmKey.id,
    mmKey: mmKey.key,
    setupKey,
    readerKey,
    memberToken,
    oauthToken: token.access_token,
  };
}

/**
 * The calls, each a list of steps. A step: { name, surface, request(op) → { path, method, headers, body },
 * ok(attempt, op) }, and `keep(json, op)` to keep what later steps need. Idempotent steps are sent again
 * unchanged (webhooks re-signed with the same id); a step that has not landed is retried after the stream.
 */
function callFactory(t, vars, runTag) {
  const json = (body) => ({ "content-type": "application/json", body: JSON.stringify(body) });
  const signed = (secret, id, body) => {
    const text = JSON.stringify(body);
    return { headers: { "content-type": "application/json", ...signedHeaders(secret, id, text) }, body: text };
  };
  const isOk = (status) => (a) => a.status === status;
  const applied = (a) => a.status === 200 && (a.json?.status === "processed" || a.json?.status === "duplicate");
  const usageDate = () => new Date().toISOString();

  return function newCall(kind, n, account) {
    const key = `${runTag}-${n}`;
    const idem = { "idempotency-key": key };
    const op = { n, kind, key, account, step: 0, attempts: [], data: {} };
    switch (kind) {
      case "add-funds":
      case "record-usage": {
        // Unique amounts (add-funds) and details (record-usage) tie every ledger row to its call.
        const body =
          kind === "add-funds" ? { amount: `${100 + n}.25` } : { details: key, amount: "0.37", date: usageDate() };
        op.body = body;
        const { body: text } = json(body);
        op.steps = [
          {
            name: kind,
            surface: "002",
            request: () => ({
              method: "POST",
              path: `/v1/account/${account}/transactions/${kind}`,
              headers: { api_key: t.key, "content-type": "application/json", ...idem },
              body: text,
            }),
            ok: isOk(200),
          },
        ];
        break;
      }
      case "adjustment": {
        op.body = { amount: `${1 + (n % 90)}.11`, description: key };
        const { body: text } = json(op.body);
        op.steps = [
          {
            name: "adjustment",
            surface: "admin",
            request: () => ({
              method: "POST",
              path: `/admin/v1/accounts/${account}/adjustments`,
              headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}`, "content-type": "application/json", ...idem },
              body: text,
            }),
            ok: isOk(201),
          },
        ];
        break;
      }
      case "001": {
        op.account = t.accounts[1];
        op.body = { transaction_type: "PAYMENT", amount: 10 + (n % 500), description: key };
        const { body: text } = json(op.body);
        const event = (status) => ({
          name: `mobile-money ${status}`,
          surface: "mobile-money webhook",
          request: (o) => ({
            method: "POST",
            path: "/webhooks/mobile-money",
            ...signed(vars.MOBILE_MONEY_WEBHOOK_SECRET, `${key}-${status.toLowerCase()}`, {
              type: "payment.status_changed",
              data: { reference: o.data.reference, status },
            }),
          }),
          ok: applied,
        });
        op.steps = [
          {
            name: "001 create",
            surface: "001",
            request: () => ({
              method: "POST",
              path: "/api/paiements",
              headers: { "x-api-key": t.mmKey, "content-type": "application/json", ...idem },
              body: text,
            }),
            ok: (a) => a.status === 201 && typeof a.json?.reference === "string",
            keep: (j, o) => {
              o.data.reference = j.reference;
            },
          },
          event("PENDING"),
          event("COMPLETE"),
        ];
        break;
      }
      case "003": {
        op.account = t.accounts[0];
        op.body = { amount: `${1 + (n % 200)}.50`, paymentMethod: "cash", description: key };
        op.deletes = n % 2 === 0;
        const base = `/api/v1/workspace/${t.workspaceId}/sms/payments`;
        const bearer = { authorization: `Bearer ${t.memberToken}` };
        op.steps = [
          {
            name: "003 record",
            surface: "003",
            request: () => {
              const form = new FormData();
              for (const [k, v] of Object.entries(op.body)) form.set(k, v);
              return { method: "POST", path: base, headers: { ...bearer, ...idem }, body: form };
            },
            ok: (a) => a.status === 201 && typeof a.json?.id === "string",
            keep: (j, o) => {
              o.data.id = j.id;
            },
          },
        ];
        if (op.deletes) {
          op.steps.push({
            name: "003 delete",
            surface: "003",
            request: (o) => ({ method: "DELETE", path: `${base}/${o.data.id}`, headers: bearer }),
            // Not idempotent by key: after an answer lost to a fault, the retry finds it deleted (404);
            // the ledger check below proves the one reversal.
            ok: (a, o) =>
              a.status === 204 ||
              (a.status === 404 &&
                o.attempts.some((p) => p.step === "003 delete" && (p.status === 0 || p.status === 503))),
          });
        }
        break;
      }
      case "004": {
        op.account = t.usdAccount;
        op.body = { amount_usd: `${1 + (n % 300)}.00`, currency: "USDTTRC20", order_id: key };
        const { body: text } = json(op.body);
        op.steps = [
          {
            name: "004 create",
            surface: "004",
            request: () => ({
              method: "POST",
              path: "/payments/",
              headers: { authorization: `Bearer ${t.oauthToken}`, "content-type": "application/json", ...idem },
              body: text,
            }),
            ok: (a) => a.status === 201 && typeof a.json?.transaction_id === "string",
            keep: (j, o) => {
              o.data.id = j.transaction_id;
            },
          },
          {
            name: "crypto completed",
            surface: "crypto webhook",
            request: (o) => ({
              method: "POST",
              path: "/webhooks/crypto",
              ...signed(vars.CRYPTO_WEBHOOK_SECRET, `${key}-completed`, {
                type: "payment.status",
                data: { transaction_id: o.data.id, status: "completed", transaction_hash: `0x${key}` },
              }),
            }),
            ok: applied,
          },
        ];
        break;
      }
      default:
        throw new Error(`unknown kind ${kind}`);
    }
    return op;
  };
}

async function run(stack) {
  const base = stack.worker.url;
  const admin = await adminClient(base, stack.vars.ADMIN_TOKEN);
  const runTag = `f${Date.now().toString(36)}`;
  const t = await createTenant(base, admin);
  const newCall = callFactory(t, stack.vars, runTag);

  let seq = 0;
  let httpRequests = 0;
  const ops = [];
  const call = (kind, account) => {
    const op = newCall(kind, ++seq, account);
    ops.push(op);
    return op;
  };

  /** Sends the op's current step once; returns the attempt. */
  const attempt = async (op, phase) => {
    const step = op.steps[op.step];
    const req = step.request(op);
    const t0 = Date.now();
    httpRequests++;
    let status = 0;
    let json;
    let replayed = false;
    try {
      const res = await fetch(`${base}${req.path}`, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      json = await res.json().catch(() => undefined);
      replayed = res.headers.get("idempotent-replayed") === "true";
    } catch {
      status = 0; // no answer (timeout or connection error): retried later
    }
    const a = { step: step.name, surface: step.surface, status, json, replayed, ms: Date.now() - t0, start: t0, phase };
    op.attempts.push(a);
    return a;
  };
  const RETRYABLE = new Set([0, 409, 502, 503, 504]);
  /**
   * Runs the op's remaining steps. In the stream, a step that does not land leaves the op for the retry
   * phase; there, it is sent again until it lands or answers a definitive refusal.
   */
  const advance = async (op, phase) => {
    while (op.step < op.steps.length && !op.refused) {
      const step = op.steps[op.step];
      const a = await attempt(op, phase);
      if (step.ok(a, op)) {
        step.keep?.(a.json, op);
        op.step++;
      } else if (RETRYABLE.has(a.status)) {
        return;
      } else {
        op.refused = a;
      }
    }
  };
  const done = (op) => op.step === op.steps.length;

  // Opening funds so that usage never hits the overdraft limit.
  for (const account of t.accounts) {
    const op = call("add-funds", account);
    await advance(op, "setup");
    if (!done(op)) throw new Error(`opening add-funds answered ${op.attempts.at(-1).status}`);
  }

  // KV-only probes must be cached at the edge before the outage.
  await admin("PUT", "/gateway-status", { status: "unavailable", reason: "fault suite" });
  const probes = [];
  const probe = async (phase) => {
    for (const [name, apiKey, check] of [
      ["setup answer", t.setupKey, (j) => j?.status === false && j?.error === "Account is in setup process"],
      ["gateway unavailable", t.readerKey, (j) => Array.isArray(j) && j.length === 0],
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

  // The stream, with its faults.
  const outages = [];
  let streaming = true;
  const client = async (w) => {
    let i = w;
    while (streaming) {
      const kind = KINDS[i % KINDS.length];
      i++;
      await advance(call(kind, t.accounts[(i * 7 + w) % t.accounts.length]), "stream");
    }
  };
  const clients = Array.from({ length: CONCURRENCY }, (_, w) => client(w));
  let endpointRequestsBefore = 0;
  for (const [f, what] of FAULTS.entries()) {
    await sleep(UP_MS);
    const outage = { what, stoppedAt: Date.now() };
    let cutting;
    if (what === "postgres") await stopPostgres(stack);
    else if (what === "endpoint") {
      endpointRequestsBefore = stack.endpoint.counts().requests;
      await stack.stopEndpoint();
    } else {
      outage.cut = stack.endpoint.cut();
      cutting = setInterval(() => {
        outage.cut += stack.endpoint.cut();
      }, CUT_EVERY_MS);
    }
    outage.downAt = Date.now();
    console.log(`[faults] fault ${f + 1}: ${FAULT_WORDS[what][0]} in ${outage.downAt - outage.stoppedAt} ms`);
    const probeUntil = Date.now() + OUTAGE_MS;
    while (Date.now() < probeUntil) {
      await probe("outage");
      await sleep(200);
    }
    outage.restartAt = Date.now();
    if (what === "postgres") await startPostgres(stack);
    else if (what === "endpoint") await stack.startEndpoint();
    else clearInterval(cutting);
    outage.upAt = Date.now();
    outages.push(outage);
    console.log(`[faults] fault ${f + 1}: ${FAULT_WORDS[what][1]} after ${outage.upAt - outage.stoppedAt} ms`);
  }
  await sleep(UP_MS);
  streaming = false;
  await Promise.all(clients);

  // Answers to requests sent while a fault lasted (after the stop completed, before the restart began).
  // One sent just before the restart may be served after it: only those answered before the restart, or
  // sent more than RESTART_GRACE_MS before it, must be 503s.
  const streamed = ops.flatMap((op) => op.attempts);
  const within = (a, o) => a.start >= o.downAt && a.start < o.restartAt;
  const mustBe503 = (a, o) =>
    o.what !== "lost-connections" && (a.start + a.ms < o.restartAt || a.start < o.restartAt - RESTART_GRACE_MS);
  for (const o of outages) {
    const during = streamed.filter((a) => within(a, o));
    const right = during.filter(
      (a) => (a.status === 503 && UNAVAILABLE_SHAPES[a.surface](a.json)) || (!mustBe503(a, o) && a.status < 300),
    );
    const bySurface = {};
    for (const a of during) bySurface[a.surface] = (bySurface[a.surface] ?? 0) + 1;
    const maxMs = Math.max(0, ...during.map((a) => a.ms));
    console.log(
      `[faults] while ${FAULT_WORDS[o.what][2]}${o.cut === undefined ? "" : ` (${o.cut} connections cut)`}: ${during.length} writes sent ` +
        `(${Object.entries(bySurface)
          .map(([s, n]) => `${s} ${n}`)
          .join(
            ", ",
          )}), ${right.length} answered 503 in their surface's shape, max latency ${maxMs} ms (bound ${BOUND_MS} ms)`,
    );
    if (during.length === 0) fail(`no write was sent while the ${o.what} was down`);
    // The cuts must have hit writes in flight: some answered 503 (Neon's "connection closed" mapped).
    if (o.what === "lost-connections" && !during.some((a) => a.status === 503))
      fail("no write met a lost connection while the connections were cut");
    for (const a of during.filter((x) => !right.includes(x)).slice(0, 5))
      fail(
        `${a.step} sent ${a.start - o.downAt} ms into the ${o.what} outage (${o.restartAt - o.downAt} ms) answered ${a.status} after ${a.ms} ms: ${JSON.stringify(a.json)}`,
      );
    if (maxMs > BOUND_MS) fail(`a write during the ${o.what} outage took ${maxMs} ms (bound ${BOUND_MS} ms)`);
  }
  const kvDuring = probes.filter((p) => p.phase === "outage");
  const kvOk = kvDuring.filter((p) => p.ok);
  console.log(
    `[faults] KV-only answers during the faults: ${kvOk.length}/${kvDuring.length} were 200 with the right body, ` +
      `max latency ${Math.max(0, ...kvDuring.map((p) => p.ms))} ms`,
  );
  if (kvOk.length !== kvDuring.length || kvDuring.length === 0) {
    fail(`KV-only answers failed during the faults: ${JSON.stringify(kvDuring.filter((p) => !p.ok).slice(0, 3))}`);
  }
  // The worker's configured endpoint address reached the restarted endpoint, and writes landed there.
  const endpointOutage = outages.find((o) => o.what === "endpoint");
  const landedAfter = streamed.filter(
    (a) => a.start >= endpointOutage.upAt && a.status >= 200 && a.status < 300 && a.phase === "stream",
  ).length;
  const restartedCount = stack.endpoint.counts().requests;
  console.log(
    `[faults] after the endpoint restart: ${landedAfter} writes landed in the stream; the new endpoint counted ` +
      `${restartedCount} requests (the first one ${endpointRequestsBefore} before it closed)`,
  );
  if (landedAfter === 0 || restartedCount === 0) fail("the worker did not reach the restarted endpoint");

  // Retry everything that did not finish, with the same key / webhook-id, then its remaining steps.
  let retries = 0;
  for (let round = 0; round < RETRY_ROUNDS && ops.some((op) => !done(op) && !op.refused); round++) {
    const pending = ops.filter((op) => !done(op) && !op.refused);
    for (let i = 0; i < pending.length; i += CONCURRENCY) {
      await Promise.all(
        pending.slice(i, i + CONCURRENCY).map((op) => {
          const before = op.attempts.length;
          return advance(op, "retry").then(() => {
            retries += op.attempts.length - before;
          });
        }),
      );
    }
    if (ops.some((op) => !done(op) && !op.refused)) await sleep(300);
  }
  const unsettled = ops.filter((op) => !done(op) && !op.refused);
  if (unsettled.length) {
    const op = unsettled[0];
    fail(
      `${unsettled.length} calls never finished (first: ${op.key} at ${op.steps[op.step].name}, last ${op.attempts.at(-1).status})`,
    );
  }
  for (const op of ops.filter((o) => o.refused).slice(0, 5))
    fail(`${op.key} ${op.refused.step} ended ${op.refused.status}: ${JSON.stringify(op.refused.json)}`);
  // A write that committed although its answer was lost to a fault, found again on retry.
  const foundAgain = (a) =>
    a.replayed || a.json?.status === "duplicate" || (a.step === "003 delete" && a.status === 404);
  const lost = (a) => a.status === 0 || a.status === 503;
  const recovered = ops.filter((op) =>
    op.attempts.some((a, i) => foundAgain(a) && op.attempts.slice(0, i).some((p) => p.step === a.step && lost(p))),
  ).length;

  await admin("PUT", "/gateway-status", { status: "ok" });
  const checked = await checkLedger(stack, t, ops, runTag);

  const attempts = ops.flatMap((op) => op.attempts);
  const fiveHundreds = attempts.filter((a) => a.status === 500);
  if (fiveHundreds.length)
    fail(`${fiveHundreds.length} answers were 500: ${fiveHundreds[0].step} ${JSON.stringify(fiveHundreds[0].json)}`);
  const statusCounts = {};
  for (const a of attempts) statusCounts[a.status] = (statusCounts[a.status] ?? 0) + 1;
  const kindCounts = {};
  for (const op of ops) kindCounts[op.kind] = (kindCounts[op.kind] ?? 0) + 1;
  console.log(
    [
      "",
      `requests tried: ${httpRequests} (${ops.length} calls: ${Object.entries(kindCounts)
        .map(([k, n]) => `${k} ${n}`)
        .join(
          ", ",
        )}; ${attempts.length} write requests of which ${retries} after the stream; ${probes.length} KV-only probes)`,
      `write answers: ${JSON.stringify(statusCounts)} (0 = no answer)`,
      `faults injected: ${outages.length} (${outages.map((o) => o.what).join(", ")}; ${OUTAGE_MS} ms down each)`,
      `committed before a fault, answer lost, found again on retry (replay, duplicate event, deleted already): ${recovered}`,
      `ledger rows checked: ${checked.rows}`,
      `double posts: ${checked.doublePosts}`,
      `counter differences from count(*): ${checked.counterDrift}`,
      `mismatches: ${checked.mismatches}`,
    ].join("\n"),
  );
  if (checked.doublePosts !== 0) fail(`${checked.doublePosts} calls posted more than once`);
  if (checked.mismatches !== 0) fail(`${checked.mismatches} ledger mismatches`);
}

/**
 * The database after the retries. Every finished call: its rows exist exactly once (its ledger entries,
 * its payment), its Idempotency-Key is stored; nothing else was posted on the tenant's accounts; every
 * balance equals the sum of its entries; counter_drift is empty.
 */
async function checkLedger(stack, t, ops, runTag) {
  const client = new pg.Client({ connectionString: stack.pgUrl });
  await client.connect();
  let mismatches = 0;
  let doublePosts = 0;
  const mismatch = (msg) => {
    mismatches++;
    if (mismatches <= 8) console.error(`[faults] mismatch: ${msg}`);
  };
  try {
    const q = async (text, params) => (await client.query(text, params)).rows;
    const entries = await q(
      `SELECT id::int AS id, account_id::text AS account_id, source, type, amount::text AS amount, description, external_ref
       FROM ledger_entries WHERE account_id = ANY($1::uuid[])`,
      [t.allAccounts],
    );
    const keys = new Set(
      (await q("SELECT scope, key FROM idempotency_keys WHERE key LIKE $1", [`${runTag}-%`])).map(
        (k) => `${k.scope} ${k.key}`,
      ),
    );
    const mm = await q(
      "SELECT reference, description, status, account_id::text AS account_id FROM mobile_money_payments WHERE workspace_id = $1",
      [t.workspaceId],
    );
    const sms = await q(
      "SELECT id, description, deleted_at IS NOT NULL AS deleted FROM sms_payments WHERE workspace_id = $1",
      [t.workspaceId],
    );
    const crypto = await q("SELECT id::text AS id, order_id, status FROM crypto_payments WHERE workspace_id = $1", [
      t.workspaceId,
    ]);
    const group = (rows, keyOf) => {
      const m = new Map();
      for (const r of rows) m.set(keyOf(r), [...(m.get(keyOf(r)) ?? []), r]);
      return (k) => m.get(k) ?? [];
    };
    const entriesBy = group(
      entries,
      (e) => `${e.account_id}|${e.source}|${e.type}|${e.description ?? ""}|${e.external_ref ?? ""}`,
    );
    const recharges = group(
      entries.filter((e) => e.type === "recharge"),
      (e) => `${e.account_id}|${Number(e.amount).toFixed(2)}`,
    );
    const mmBy = group(mm, (p) => p.description);
    const smsBy = group(sms, (p) => p.description);
    const cryptoBy = group(crypto, (p) => p.order_id);
    const byRef = group(entries, (e) => `${e.source}|${e.type}|${e.external_ref ?? ""}`);

    let expectedRows = 0;
    /** `found` rows of what `op` must have made once. */
    const once = (op, what, found) => {
      if (found.length === 1) return found[0];
      if (found.length > 1) doublePosts++;
      mismatch(`${op.kind} ${op.key}: ${found.length} ${what} (expected 1)`);
      return null;
    };
    const scopeOf = {
      "add-funds": (op) => `acct:${op.account}`,
      "record-usage": (op) => `acct:${op.account}`,
      adjustment: (op) => `admin:${op.account}`,
      "001": () => `mm:${t.mmKeyId}`,
      "003": () => `sms:${t.workspaceId}`,
      "004": () => `crypto:${t.workspaceId}`,
    };
    for (const op of ops) {
      if (op.step !== op.steps.length) continue; // reported above
      if (!keys.has(`${scopeOf[op.kind](op)} ${op.key}`)) mismatch(`${op.kind} ${op.key}: Idempotency-Key not stored`);
      switch (op.kind) {
        case "add-funds": {
          expectedRows++;
          const e = once(op, "recharge entries", recharges(`${op.account}|${Number(op.body.amount).toFixed(2)}`));
          const answered = op.attempts.at(-1).json?.transaction_id;
          if (e && answered !== `txn_${e.id}`)
            mismatch(`add-funds ${op.key} answered ${answered} but posted txn_${e.id}`);
          break;
        }
        case "record-usage":
          expectedRows++;
          once(op, "usage entries", entriesBy(`${op.account}|api|usage|${op.key}|`));
          break;
        case "adjustment":
          expectedRows++;
          once(op, "adjustment entries", entriesBy(`${op.account}|portal|adjustment|${op.key}|`));
          break;
        case "001": {
          expectedRows++;
          const p = once(op, "mobile-money payments", mmBy(op.key));
          if (p && (p.reference !== op.data.reference || p.status !== "COMPLETE"))
            mismatch(`001 ${op.key}: payment ${p.reference} is ${p.status}`);
          const credit = once(op, "mobile-money credits", byRef(`mobile_money|deposit|${op.data.reference}`));
          if (credit && (credit.account_id !== op.account || Number(credit.amount) !== op.body.amount))
            mismatch(`001 ${op.key}: credit of ${credit.amount} on ${credit.account_id}`);
          break;
        }
        case "003": {
          expectedRows += op.deletes ? 2 : 1;
          const p = once(op, "SMS payments", smsBy(op.key));
          if (p && (p.id !== op.data.id || p.deleted !== op.deletes))
            mismatch(`003 ${op.key}: payment ${p.id} deleted ${p.deleted}, expected ${op.deletes}`);
          const credit = once(op, "SMS payment credits", byRef(`portal|deposit|${op.data.id}`));
          if (credit && Number(credit.amount) !== Number(op.body.amount))
            mismatch(`003 ${op.key}: credit of ${credit.amount}`);
          const reversals = byRef(`portal|reversal|${op.data.id}`);
          if (op.deletes) once(op, "SMS payment reversals", reversals);
          else if (reversals.length) mismatch(`003 ${op.key}: reversed but never deleted`);
          break;
        }
        case "004": {
          expectedRows++;
          const p = once(op, "crypto payments", cryptoBy(op.key));
          if (p && (p.id !== op.data.id || p.status !== "completed"))
            mismatch(`004 ${op.key}: payment ${p.id} is ${p.status}`);
          const credit = once(op, "crypto credits", byRef(`crypto|deposit|${op.data.id}`));
          if (credit && (credit.account_id !== t.usdAccount || Number(credit.amount) !== Number(op.body.amount_usd)))
            mismatch(`004 ${op.key}: credit of ${credit.amount} on ${credit.account_id}`);
          break;
        }
      }
    }
    if (entries.length !== expectedRows)
      mismatch(`${entries.length} ledger rows on the tenant's accounts for ${expectedRows} expected`);
    const extraPayments = [
      ["mobile-money", mm.length, ops.filter((o) => o.kind === "001").length],
      ["SMS", sms.length, ops.filter((o) => o.kind === "003").length],
      ["crypto", crypto.length, ops.filter((o) => o.kind === "004").length],
    ];
    for (const [what, found, calls] of extraPayments)
      if (found !== calls) mismatch(`${found} ${what} payments for ${calls} calls`);

    const balances = await q(
      `SELECT a.id::text AS id, a.balance::text AS balance, coalesce(sum(e.amount), 0)::text AS sum
       FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.id HAVING a.balance <> coalesce(sum(e.amount), 0)`,
    );
    for (const b of balances) mismatch(`account ${b.id} balance ${b.balance} but entries sum to ${b.sum}`);
    // Every trigger-kept counter (entry counts, list totals) against count(*) of what it counts.
    const drift = await q("SELECT * FROM counter_drift");
    for (const d of drift)
      mismatch(`counter drift: ${d.counter} ${d.owner_id} ${d.dims}: ${d.counted} counted, ${d.actual} rows`);
    // Double-entry: no unbalanced or one-legged transaction, a zero trial balance in every currency, every
    // balance (customer and system) the sum of its legs.
    const imbalances = await q("SELECT kind, subject, currency, difference::text AS difference FROM ledger_imbalances");
    for (const i of imbalances) mismatch(`ledger: ${i.kind} ${i.subject} ${i.currency} off by ${i.difference}`);
    console.log(`[faults] ledger check: ${imbalances.length} imbalance(s) (transactions, trial balance, balances)`);
    return { rows: entries.length, mismatches, doublePosts, counterDrift: drift.length };
  } finally {
    await client.end();
  }
}

main().catch((err) => {
  console.error(`[faults] ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
