// The bench's cases, with the wrk Lua of those whose request differs each time (unique Idempotency-Keys,
// signed webhook events), the pgbench rewrites that keep their recorded SQL unique per transaction, and
// the trivial worker every case is also compared with.
//
// A case: { name, kind: "list" | "write" | "kv", method?, path, headers, body?, requestLua?, expect?,
//   gateway? (gateway state during the case), idempotent? (each request its own key), spread? (over the
//   SPREAD_ACCOUNTS accounts), warmEveryAccount? (one request per spread account before the recording),
//   sample?(id) (headers and body of one request for the warm-up and the SQL
//   recording, `id` unique), substitutions?(answer) (more literal → pgbench rewrites, from the recorded
//   request's answer), prepare?({ dir, seconds, trivialRps }) (just before the load: signs events; answers
//   { requestLua, events }) }.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { webhookSigner } from "../lib/standard-webhooks.mjs";
import { SPREAD_ACCOUNTS, spreadAccountId } from "./bench-seed.mjs";

export const TRIVIAL_WORKER = `export default {
  fetch: () => new Response("ok"),
};
`;

/** wrk's threads (load.mjs runs 2): the signed event files are one per thread. */
const WRK_THREADS = 2;

const luaString = (s) => JSON.stringify(s); // a JSON string literal is a valid Lua string literal here
const luaTable = (list) => `{ ${list.map(luaString).join(", ")} }`;
const luaHeaders = (headers) =>
  `{ ${Object.entries(headers)
    .map(([k, v]) => `[${luaString(k)}] = ${luaString(v)}`)
    .join(", ")} }`;

/**
 * A POST with a unique Idempotency-Key per request (run tag + wrk thread + counter), to `pathOf(account)`
 * for the next of `accounts` (round robin from a per-thread offset), or to a fixed path.
 */
function idempotentPostLua({ runTag, tag, accounts = [null], pathOf, headers, body }) {
  return `
local counter, prefix = 0, ""
local accounts = ${luaTable(accounts.map((a) => a ?? ""))}
function init(args) prefix = "${runTag}-${tag}-" .. tostring(thread_id) .. "-" end
function request()
  counter = counter + 1
  local account = accounts[((counter + 499 * thread_id) % #accounts) + 1]
  local headers = ${luaHeaders(headers)}
  headers["idempotency-key"] = prefix .. counter
  return wrk.format("POST", ${pathOf("account")}, headers, ${luaString(body)})
end`;
}

/**
 * Replays pre-signed webhook requests in order, one file per wrk thread (`<dir>/<tag>-<thread>.tsv`,
 * lines `id TAB timestamp TAB signature TAB body`); wrk's LuaJIT has no HMAC, Node signs them. At the end
 * of a file it starts again (redeliveries, answered 200 "duplicate"): the files are sized not to.
 */
function signedReplayLua({ dir, tag, path: urlPath }) {
  return `
local file
function init(args) file = assert(io.open(${luaString(dir)} .. "/${tag}-" .. tostring(thread_id) .. ".tsv", "r")) end
function request()
  local line = file:read("*l")
  if not line then file:seek("set", 0); line = file:read("*l") end
  local id, ts, sig, body = line:match("^([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t(.*)$")
  return wrk.format("POST", ${luaString(urlPath)}, { ["content-type"] = "application/json",
    ["webhook-id"] = id, ["webhook-timestamp"] = ts, ["webhook-signature"] = sig }, body)
end`;
}

const depositBody = (accountId) =>
  JSON.stringify({
    type: "deposit.received",
    data: { account_id: accountId, amount: "1.00", description: "Bench gateway deposit" },
  });

/**
 * Writes `perThread` signed SMS-gateway deposits per wrk thread, spread over the spread accounts, signed
 * now (the receiver accepts 5 minutes either side). Returns how many it wrote.
 */
function writeSignedDeposits({ dir, tag, secret, runTag, perThread }) {
  const sign = webhookSigner(secret);
  const ts = Math.floor(Date.now() / 1000);
  for (let t = 1; t <= WRK_THREADS; t++) {
    const lines = [];
    for (let n = 1; n <= perThread; n++) {
      const id = `${runTag}-${tag}-${t}-${n}`;
      const body = depositBody(spreadAccountId(1 + ((n * 7 + t * 499) % SPREAD_ACCOUNTS)));
      lines.push(`${id}\t${ts}\t${sign(id, ts, body)}\t${body}`);
    }
    fs.writeFileSync(path.join(dir, `${tag}-${t}.tsv`), `${lines.join("\n")}\n`);
  }
  return perThread * WRK_THREADS;
}

/** Keyset cursor of the entry at 90% depth of the hot account's spec 000 view (gateway ok). */
export async function deepCursor(pgUrl, accountId, rows) {
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

/** The cases, in run order: reads first, then writes (which add rows), then the KV-only answers. */
/**
 * A bench case: what wrk sends and how its answer is checked (the fields each kind uses are read by
 * run.mjs and load.mjs).
 * @typedef {{ name: string, kind: string, path: string, url?: string, [field: string]: any }} BenchCase
 */

/** @returns {BenchCase[]} */
export function defineCases(c, { rows, baseUrl, runTag, vars }) {
  const paths = c.paths;
  /** @type {BenchCase[]} */
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
  const has001 = paths.has("/api/paiements/api-key");
  if (has001) {
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

  // Money writes, each request with its own Idempotency-Key.
  const usageDate = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "");
  const usageBody = JSON.stringify({ details: "bench usage", amount: "0.01", date: usageDate });
  const spreadIds = Array.from({ length: SPREAD_ACCOUNTS }, (_, i) => spreadAccountId(i + 1));
  const json = { "content-type": "application/json" };
  const usagePath = (account) => `"/v1/account/" .. ${account} .. "/transactions/record-usage"`;
  cases.push(
    {
      name: "002 record-usage, hot account",
      kind: "write",
      method: "POST",
      path: `/v1/account/${c.hotAccountId}/transactions/record-usage`,
      headers: { api_key: c.hotKey, ...json },
      body: usageBody,
      requestLua: idempotentPostLua({
        runTag,
        tag: "hot",
        accounts: [c.hotAccountId],
        pathOf: usagePath,
        headers: { api_key: c.hotKey, ...json },
        body: usageBody,
      }),
      idempotent: true,
    },
    {
      name: `002 record-usage, ${SPREAD_ACCOUNTS.toLocaleString("en")} accounts`,
      kind: "write",
      method: "POST",
      path: `/v1/account/${spreadAccountId(1)}/transactions/record-usage`,
      headers: { api_key: c.workspaceKey, ...json },
      body: usageBody,
      requestLua: idempotentPostLua({
        runTag,
        tag: "spread",
        accounts: spreadIds,
        pathOf: usagePath,
        headers: { api_key: c.workspaceKey, ...json },
        body: usageBody,
      }),
      idempotent: true,
      spread: true,
      // The API key is not bound to an account: each account's edge state is read (and cached) per account.
      warmEveryAccount: true,
    },
  );

  const adminHeaders = { authorization: `Bearer ${vars.ADMIN_TOKEN}`, ...json };
  const adjustmentBody = JSON.stringify({ amount: "0.01", description: "Bench adjustment" });
  cases.push({
    name: `admin adjustment, ${SPREAD_ACCOUNTS.toLocaleString("en")} accounts`,
    kind: "write",
    method: "POST",
    path: `/admin/v1/accounts/${spreadAccountId(1)}/adjustments`,
    headers: adminHeaders,
    body: adjustmentBody,
    requestLua: idempotentPostLua({
      runTag,
      tag: "adjust",
      accounts: spreadIds,
      pathOf: (account) => `"/admin/v1/accounts/" .. ${account} .. "/adjustments"`,
      headers: adminHeaders,
      body: adjustmentBody,
    }),
    idempotent: true,
    spread: true,
    expect: (status) => status === 201,
  });

  if (has001) {
    const createBody = JSON.stringify({ transaction_type: "PAYMENT", amount: 1000, description: "Bench order" });
    cases.push({
      name: "001 create payment",
      kind: "write",
      method: "POST",
      path: "/api/paiements",
      headers: { ...apiKey, ...json },
      body: createBody,
      requestLua: idempotentPostLua({
        runTag,
        tag: "mm",
        pathOf: () => luaString("/api/paiements"),
        headers: { ...apiKey, ...json },
        body: createBody,
      }),
      idempotent: true,
      expect: (status, body) => status === 201 && typeof body?.reference === "string",
      // The reference is drawn per request: pgbench draws its own, or its inserts would collide.
      substitutions: (answer) => [[answer.reference, "BENCHREF-:client_id-:r"]],
    });
  }

  if (paths.has("/webhooks/sms-gateway")) {
    const tag = "smsdep";
    const secret = vars.SMS_GATEWAY_WEBHOOK_SECRET;
    const sign = webhookSigner(secret);
    cases.push({
      name: `sms-gateway deposit events, ${SPREAD_ACCOUNTS.toLocaleString("en")} accounts`,
      kind: "write",
      method: "POST",
      path: "/webhooks/sms-gateway",
      headers: json,
      // The recorded request goes to the first spread account; `id` is its webhook-id.
      sample: (id) => {
        const body = depositBody(spreadAccountId(1));
        const ts = Math.floor(Date.now() / 1000);
        return {
          headers: {
            ...json,
            "webhook-id": id,
            "webhook-timestamp": String(ts),
            "webhook-signature": sign(id, ts, body),
          },
          body,
        };
      },
      idempotent: true,
      spread: true,
      expect: (status, body) => status === 200 && body?.status === "processed",
      // Signed just before the load, enough for the case at 1.5x the trivial worker's rate (which no
      // webhook case reaches): { requestLua, events }. The receiver's 5-minute tolerance bounds --seconds.
      prepare: ({ dir, seconds, trivialRps }) => {
        const perThread = Math.ceil((seconds * Math.max(trivialRps, 1000) * 1.5) / WRK_THREADS);
        const events = writeSignedDeposits({ dir, tag, secret, runTag, perThread });
        return { requestLua: signedReplayLua({ dir, tag, path: "/webhooks/sms-gateway" }), events };
      },
    });
  } else console.log("[bench] NOTE: the SMS gateway webhook is not served by this build: skipped");

  cases.push(
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
