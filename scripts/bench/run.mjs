// `npm run bench -- --rows N --seconds S --connections C --out FILE`
// Starts PostgreSQL → pgbouncer (transaction mode) → WebSocket proxy → the built worker under workerd
// (Miniflare), seeds N ledger rows on one hot account plus a spread, then loads each case with wrk from
// its own process and compares it with its baseline measured in the same run: pgbench -C running the
// very SQL the case sends (recorded from PostgreSQL's statement log), or a trivial worker under the
// same workerd for the answers decided from KV alone. Ctrl-C stops everything it started.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { captureStatements, pgbenchScript } from "./capture.mjs";
import { killLoadGenerators, runPgbench, runWrk } from "./load.mjs";
import { printTable, toJson } from "./report.mjs";
import { adminClient, SPREAD_ACCOUNTS, seed, spreadAccountId } from "./seed.mjs";
import { ensureDebianCommand, serveWorker, startStack, UNMETERED_RATE_LIMITS } from "./stack.mjs";

const started = Date.now();

function parseArgs(argv) {
  const opts = { rows: 1_000_000, seconds: 10, connections: 32, out: null, only: null, pgbouncer: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--rows") opts.rows = Number(next().replace(/_/g, ""));
    else if (a === "--seconds") opts.seconds = Number(next());
    else if (a === "--connections") opts.connections = Number(next());
    else if (a === "--out") opts.out = next();
    else if (a === "--only") opts.only = new RegExp(next(), "i");
    else if (a === "--no-pgbouncer") opts.pgbouncer = false;
    else if (a === "--help" || a === "-h") {
      console.log(
        "npm run bench -- [--rows 1000000] [--seconds 10] [--connections 32] [--out FILE] [--only REGEX] [--no-pgbouncer]",
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(opts.rows) || opts.rows < 1000) throw new Error("--rows must be an integer >= 1000");
  if (!(opts.seconds >= 1)) throw new Error("--seconds must be >= 1");
  return opts;
}

const TRIVIAL_WORKER = `export default {
  fetch: () => new Response("ok"),
};
`;

/** The cases, in run order: reads first, then writes (which add rows), then the KV-only answers. */
function defineCases(c, { rows, baseUrl, runTag }) {
  const paths = c.paths;
  const cases = [];
  const apiKey = { "x-api-key": c.hotKey };
  const dayS = 86_400;
  const nowS = Math.floor(Date.now() / 1000);

  cases.push(
    { name: "000 payments, first page", kind: "list", path: "/api/v1/user/payments", headers: apiKey },
    {
      name: "000 payments, deep cursor page",
      kind: "list",
      path: `/api/v1/user/payments?cursor=${c.deepCursor}`,
      headers: apiKey,
    },
    {
      name: "002 transactions, page 1",
      kind: "list",
      path: `/v1/account/${c.hotAccountId}/transactions`,
      headers: { api_key: c.hotKey },
    },
    {
      name: "002 transactions, page near the end",
      kind: "list",
      path: `/v1/account/${c.hotAccountId}/transactions?page=${Math.floor(rows / 20) - 1}`,
      headers: { api_key: c.hotKey },
    },
  );
  if (paths.has("/api/paiements/api-key")) {
    cases.push(
      { name: "001 paiements, first page", kind: "list", path: "/api/paiements/api-key", headers: apiKey },
      {
        name: "001 paiements, status+type+date filter",
        kind: "list",
        path: `/api/paiements/api-key?status=COMPLETE&transaction_type=PAYMENT&dateFrom=${nowS - 200 * dayS}&dateTo=${nowS - 100 * dayS}`,
        headers: apiKey,
      },
      {
        name: "001 paiements, deep page",
        kind: "list",
        path: `/api/paiements/api-key?page=${Math.floor((c.counts.mobile_money_payments * 0.9) / 20)}`,
        headers: apiKey,
      },
    );
  } else console.log("[bench] NOTE: spec 001 (/api/paiements/api-key) is not served by this build: skipped");
  if (paths.has("/api/v1/workspace/{workspaceId}/sms/payments") && c.memberToken) {
    const bearer = { authorization: `Bearer ${c.memberToken}` };
    cases.push(
      {
        name: "003 sms payments, first page",
        kind: "list",
        path: `/api/v1/workspace/${c.workspaceId}/sms/payments`,
        headers: bearer,
      },
      {
        name: "003 sms payments, deep offset",
        kind: "list",
        path: `/api/v1/workspace/${c.workspaceId}/sms/payments?offset=${Math.floor(c.counts.sms_payments * 0.9)}`,
        headers: bearer,
      },
    );
  } else console.log("[bench] NOTE: spec 003 (workspace SMS payments) or its member tokens are not served: skipped");
  if (paths.has("/payments/") && c.oauthToken) {
    const bearer = { authorization: `Bearer ${c.oauthToken}` };
    cases.push(
      { name: "004 crypto payments, first page", kind: "list", path: "/payments/", headers: bearer },
      {
        name: "004 crypto payments, status+currency filter",
        kind: "list",
        path: "/payments/?status=completed&currency=USDTTRC20&blockchain=TRON",
        headers: bearer,
      },
      {
        name: "004 crypto payments, deep offset",
        kind: "list",
        path: `/payments/?offset=${Math.floor(c.counts.crypto_payments * 0.9)}`,
        headers: bearer,
      },
    );
  } else console.log("[bench] NOTE: spec 004 (crypto payments) or OAuth clients are not served: skipped");

  const usageDate = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "");
  const usageBody = JSON.stringify({ details: "bench usage", amount: "0.01", date: usageDate });
  const luaString = (s) => JSON.stringify(s); // a JSON string literal is a valid Lua string literal here
  const spreadIds = Array.from({ length: SPREAD_ACCOUNTS }, (_, i) => spreadAccountId(i + 1));
  // Unique Idempotency-Keys: run tag + wrk thread + counter.
  const usageLua = (accountsLua, keyHeader, tag) => `
local counter, prefix = 0, ""
local accounts = ${accountsLua}
function init(args) prefix = "${runTag}-${tag}-" .. tostring(thread_id) .. "-" end
function request()
  counter = counter + 1
  local account = accounts[((counter + 499 * thread_id) % #accounts) + 1]
  return wrk.format("POST", "/v1/account/" .. account .. "/transactions/record-usage",
    { ["api_key"] = ${luaString(keyHeader)}, ["content-type"] = "application/json",
      ["idempotency-key"] = prefix .. counter }, ${luaString(usageBody)})
end`;
  cases.push(
    {
      name: "002 record-usage, hot account",
      kind: "write",
      method: "POST",
      path: `/v1/account/${c.hotAccountId}/transactions/record-usage`,
      headers: { api_key: c.hotKey, "content-type": "application/json" },
      body: usageBody,
      requestLua: usageLua(`{ ${luaString(c.hotAccountId)} }`, c.hotKey, "hot"),
      idempotent: true,
    },
    {
      name: `002 record-usage, ${SPREAD_ACCOUNTS.toLocaleString("en")} accounts`,
      kind: "write",
      method: "POST",
      path: `/v1/account/${spreadAccountId(1)}/transactions/record-usage`,
      headers: { api_key: c.workspaceKey, "content-type": "application/json" },
      body: usageBody,
      requestLua: usageLua(`{ ${spreadIds.map(luaString).join(", ")} }`, c.workspaceKey, "spread"),
      idempotent: true,
      spread: true,
    },
    {
      name: "000 account in setup (KV only)",
      kind: "kv",
      path: "/api/v1/user/payments",
      headers: { "x-api-key": c.setupKey },
      expect: (status, body) => status === 200 && body?.status === false,
    },
    {
      name: "000 gateway unavailable (KV only)",
      kind: "kv",
      path: "/api/v1/user/payments",
      headers: apiKey,
      gateway: "unavailable",
      expect: (status, body) => status === 200 && Array.isArray(body) && body.length === 0,
    },
  );
  for (const k of cases) k.url = `${baseUrl}${k.path}`;
  return cases;
}

async function send(k, idempotencyKey) {
  const headers = { ...k.headers, ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}) };
  const res = await fetch(k.url, { method: k.method ?? "GET", headers, body: k.body });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** Keyset cursor of the entry at 90% depth of the hot account's spec 000 view (gateway ok). */
async function deepCursor(pgUrl, accountId, rows) {
  const client = new pg.Client({ connectionString: pgUrl, application_name: "bench-control" });
  await client.connect();
  try {
    const { rows: r } = await client.query(
      `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position, id::int AS id
       FROM ledger_entries WHERE account_id = $1 AND source IN ('sms_gateway', 'portal')
       ORDER BY occurred_at DESC, id DESC OFFSET $2 LIMIT 1`,
      [accountId, Math.floor(rows * 0.75 * 0.9)],
    );
    if (!r[0]) throw new Error("no entry at the deep cursor position");
    return Buffer.from(`${r[0].position}|${r[0].id}`).toString("base64url");
  } finally {
    await client.end();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  console.log(
    `[bench] rows ${opts.rows.toLocaleString("en")}, ${opts.seconds} s per run, ${opts.connections} connections; ` +
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model?.trim() ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  if (!ensureDebianCommand("wrk")) throw new Error("wrk is required (apt-get install wrk)");
  const stack = await startStack({
    pgbouncer: opts.pgbouncer,
    statementLog: true,
    // The bench measures the service: its own limits, far above what the run can send.
    workerVars: UNMETERED_RATE_LIMITS,
  });
  stack.cleanups.add("load generators", killLoadGenerators, killLoadGenerators);
  try {
    const baseUrl = stack.worker.url;
    const admin = await adminClient(baseUrl, stack.vars.ADMIN_TOKEN);
    const creds = await seed({ baseUrl, adminToken: stack.vars.ADMIN_TOKEN, pgUrl: stack.pgUrl, rows: opts.rows });
    creds.deepCursor = await deepCursor(stack.pgUrl, creds.hotAccountId, opts.rows);
    const runTag = `b${Date.now().toString(36)}`;
    let cases = defineCases(creds, { rows: opts.rows, baseUrl, runTag });
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
    };
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
            try {
              check(k, await send(k, k.idempotent ? captureKeyOf(k) : undefined));
            } finally {
              if (k.gateway) await admin("PUT", "/gateway-status", { status: "ok" });
            }
          },
        },
      ]),
    );
    for (const k of cases) {
      const n = captured.get(k.name)?.length ?? 0;
      if (k.kind === "kv" && n > 0) throw new Error(`${k.name} sent ${n} statements to PostgreSQL: it is not KV-only`);
      if (k.kind !== "kv" && n === 0) throw new Error(`${k.name}: no SQL recorded`);
    }
    console.log(`[bench] recorded the SQL of ${cases.length} cases (${Date.now() - t0} ms)`);

    let trivialRps = null;
    for (const k of cases) {
      const slug = slugOf(k);
      if (k.gateway) await admin("PUT", "/gateway-status", { status: k.gateway });
      try {
        const statements = captured.get(k.name);
        const captureKey = captureKeyOf(k);
        const load = await runWrk({
          url: k.url,
          seconds: opts.seconds,
          connections: opts.connections,
          headers: k.requestLua ? {} : k.headers,
          requestLua: k.requestLua ?? "",
          dir: work,
          name: slug,
        });

        let baseline;
        let baselineRps;
        if (k.kind === "kv") {
          if (trivialRps === null) {
            const scriptPath = path.join(work, "trivial", "index.js");
            fs.mkdirSync(path.dirname(scriptPath), { recursive: true });
            fs.writeFileSync(scriptPath, TRIVIAL_WORKER);
            const trivial = await serveWorker({ scriptPath, config: stack.config, bindings: {} });
            try {
              const t = await runWrk({
                url: `${trivial.url}/`,
                seconds: opts.seconds,
                connections: opts.connections,
                dir: work,
                name: "trivial",
              });
              trivialRps = t.rps;
            } finally {
              await trivial.dispose();
            }
          }
          baseline = "trivial worker";
          baselineRps = trivialRps;
        } else {
          const substitutions = [];
          const preamble = [];
          if (k.idempotent) {
            preamble.push("\\set r random(1, 1000000000000)");
            substitutions.push([captureKey, `pgb-${runTag}-:client_id-:r`]);
          }
          if (k.spread) {
            preamble.push(`\\set acct 100000000000 + random(1, ${SPREAD_ACCOUNTS})`);
            substitutions.push([spreadAccountId(1), "00000000-0000-4000-8000-:acct"]);
          }
          const script = path.join(work, `${slug}.sql`);
          fs.writeFileSync(script, pgbenchScript(statements, { substitutions, preamble }));
          const pgb = await runPgbench({
            pgBin: stack.pgBin,
            port: dbPort,
            database: "payments",
            script,
            seconds: opts.seconds,
            clients: opts.connections,
          });
          if (pgb.aborted || pgb.failed) {
            throw new Error(
              `${k.name}: pgbench baseline failed: ${pgb.aborted ?? `${pgb.failed} failed`}\n${fs.readFileSync(script, "utf8")}`,
            );
          }
          baseline = `pgbench -C (${statements.length} stmt${statements.length === 1 ? "" : "s"})`;
          baselineRps = pgb.tps;
        }
        const result = {
          name: k.name,
          kind: k.kind,
          rps: load.rps,
          p50_ms: load.p50_ms,
          p99_ms: load.p99_ms,
          baseline,
          baseline_rps: baselineRps,
          ratio: load.rps / baselineRps,
          non2xx: load.non2xx,
          errors: load.errors,
          requests: load.requests,
        };
        results.push(result);
        console.log(
          `[bench] ${k.name}: ${result.rps.toFixed(0)} req/s (p50 ${result.p50_ms.toFixed(1)} ms, p99 ${result.p99_ms.toFixed(1)} ms` +
            `${load.non2xx || load.errors ? `, ${load.non2xx} non-2xx, ${load.errors} socket errors` : ""}) vs ${baseline} ${baselineRps.toFixed(0)}/s → ${result.ratio.toFixed(2)}`,
        );
      } finally {
        if (k.gateway) await admin("PUT", "/gateway-status", { status: "ok" });
      }
    }

    // Writes must have kept every balance equal to the sum of its entries.
    const ledgerCheck = stack.psql(
      `SELECT count(*) FROM accounts a WHERE a.workspace_id = '${creds.workspaceId}' AND a.balance <> coalesce((SELECT sum(amount) FROM ledger_entries e WHERE e.account_id = a.id), 0)`,
    );
    const mismatches = Number(ledgerCheck.trim());
    const totalS = (Date.now() - started) / 1000;
    printTable(results, {
      rows: opts.rows,
      seconds: opts.seconds,
      connections: opts.connections,
      pgbouncer: !!stack.pgbouncer,
    });
    console.log(
      `[bench] ledger check after the writes: ${mismatches} account(s) whose balance differs from its entries; ` +
        `seed ${(creds.seedMs / 1000).toFixed(1)} s; total ${totalS.toFixed(1)} s`,
    );
    if (opts.out) {
      const json = toJson(results, {
        rows: opts.rows,
        seconds: opts.seconds,
        connections: opts.connections,
        pgbouncer: !!stack.pgbouncer,
        seed_seconds: creds.seedMs / 1000,
        total_seconds: totalS,
      });
      fs.writeFileSync(opts.out, `${JSON.stringify(json, null, 2)}\n`);
      console.log(`[bench] wrote ${opts.out}`);
    }
    if (mismatches !== 0) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(`[bench] ${err.stack ?? err.message}`);
  killLoadGenerators();
  process.exitCode = 1;
});
