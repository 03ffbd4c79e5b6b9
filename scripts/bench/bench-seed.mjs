// Benchmark data. Credentials go through the running worker's admin API (so key hashes and the KV
// cache are what production makes); the bulk rows are set-based SQL (generate_series), with every
// balance equal to the sum of its entries and each balance_after the running sum, computed by window
// functions. Ledger rows are only INSERTed (the immutability trigger forbids UPDATE/DELETE).
import pg from "pg";
import { allPermissions } from "../lib/demo-seed.mjs";

/** Spread accounts get fixed ids, so pgbench scripts can pick one from a number: ...-8000-1000000000NN. */
export const SPREAD_ACCOUNTS = 1000;
export const spreadAccountId = (n) => `00000000-0000-4000-8000-${String(100_000_000_000 + n)}`;

export async function adminClient(baseUrl, adminToken) {
  return async function admin(method, route, body) {
    const res = await fetch(`${baseUrl}/admin/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /admin/v1${route} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** Which surfaces this build serves, from its own OpenAPI document. */
export async function servedPaths(baseUrl) {
  const doc = /** @type {{ paths?: Record<string, unknown> }} */ (
    await (await fetch(`${baseUrl}/openapi.json`)).json()
  );
  return new Set(Object.keys(doc.paths ?? {}));
}

/**
 * Seeds everything and returns the identities and credentials the load cases need.
 * `rows`: ledger entries on the hot account (plus rows/10 spread over SPREAD_ACCOUNTS accounts).
 */
export async function seed({ baseUrl, adminToken, pgUrl, rows, log = console.log }) {
  const admin = await adminClient(baseUrl, adminToken);
  const paths = await servedPaths(baseUrl);
  const t0 = Date.now();

  // Through the API: tenant, accounts that need KV state, keys, member, OAuth client.
  const workspace = await admin("POST", "/workspaces", { name: "Bench merchant" });
  const hot = await admin("POST", `/workspaces/${workspace.id}/accounts`, { currency: "EUR" });
  const usd = await admin("POST", `/workspaces/${workspace.id}/accounts`, { currency: "USD" });
  const setup = await admin("POST", `/workspaces/${workspace.id}/accounts`, { currency: "EUR", status: "setup" });
  const hotKey = await admin("POST", `/workspaces/${workspace.id}/api-keys`, {
    account_id: hot.id,
    permissions: await allPermissions(baseUrl),
  });
  const workspaceKey = await admin("POST", `/workspaces/${workspace.id}/api-keys`, {
    permissions: ["transactions.read", "funds.write", "usage.write"],
  });
  const setupKey = await admin("POST", `/workspaces/${workspace.id}/api-keys`, {
    account_id: setup.id,
    permissions: ["payments.read", "balance.read"],
  });
  const creds = {
    workspaceId: workspace.id,
    hotAccountId: hot.id,
    usdAccountId: usd.id,
    setupAccountId: setup.id,
    hotKey: hotKey.key,
    hotKeyId: hotKey.id,
    workspaceKey: workspaceKey.key,
    workspaceKeyId: workspaceKey.id,
    setupKey: setupKey.key,
    setupKeyId: setupKey.id,
    memberToken: null,
    memberId: null,
    oauthToken: null,
    oauthClientUuid: null,
  };
  if (paths.has("/admin/v1/workspaces/{workspace_id}/members")) {
    const member = await admin("POST", `/workspaces/${workspace.id}/members`, {
      email: "owner@bench.example",
      role: "owner",
    });
    const token = await admin("POST", `/members/${member.id}/tokens`, {});
    creds.memberId = member.id;
    creds.memberToken = token.token;
  }
  if (paths.has("/admin/v1/workspaces/{workspace_id}/oauth-clients") && paths.has("/oauth/token")) {
    const client = await admin("POST", `/workspaces/${workspace.id}/oauth-clients`, {
      name: "Bench shop",
      scopes: ["read", "write"],
    });
    const res = await fetch(`${baseUrl}/oauth/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials&scope=read%20write",
    });
    const body = /** @type {{ access_token?: string }} */ (await res.json());
    if (!res.ok) throw new Error(`POST /oauth/token answered ${res.status}: ${JSON.stringify(body)}`);
    creds.oauthToken = body.access_token;
  }
  const tApi = Date.now() - t0;

  const client = new pg.Client({ connectionString: pgUrl, application_name: "bench-seed" });
  await client.connect();
  const timings = {};
  const step = async (name, text, params = []) => {
    const t = Date.now();
    const res = await client.query(text, params);
    timings[name] = Date.now() - t;
    return res;
  };
  const spreadRows = Math.max(SPREAD_ACCOUNTS, Math.floor(rows / 10));
  const mmRows = Math.max(1_000, Math.floor(rows / 10));
  const smsRows = Math.max(1_000, Math.floor(rows / 20));
  const cryptoRows = Math.max(1_000, Math.floor(rows / 20));
  const counts = { ledger_hot: rows, ledger_spread: spreadRows };
  try {
    await client.query("SET work_mem = '512MB'; SET maintenance_work_mem = '512MB'; SET synchronous_commit = off");
    // History is written as a data import would: each entry with its counter-leg (ledger_counter_legs
    // below), balanced by construction, without the per-leg deferred balance check (a million of them
    // would take minutes). ledger_imbalances checks the result at the end.
    await client.query("SET session_replication_role = replica");
    if (creds.memberId) {
      const r = await client.query("SELECT id FROM workspace_members WHERE id = $1", [creds.memberId]);
      if (r.rowCount !== 1) throw new Error("the member made through the admin API is not in the database");
    }

    await step(
      "accounts",
      `INSERT INTO accounts (id, workspace_id, currency, status)
       SELECT ('00000000-0000-4000-8000-' || (100000000000 + n)::text)::uuid, $1, 'EUR', 'active'
       FROM generate_series(1, ${SPREAD_ACCOUNTS}) n`,
      [workspace.id],
    );

    // One hot account: `rows` entries over two years, oldest first (ids grow with time).
    // Source mix: gateway 55%, portal 20%, api 15%, mobile money 6%, crypto 4%; deposits outweigh usage.
    const entryMix = `
      CASE WHEN r1 < 0.55 THEN 'sms_gateway' WHEN r1 < 0.75 THEN 'portal' WHEN r1 < 0.90 THEN 'api'
           WHEN r1 < 0.96 THEN 'mobile_money' ELSE 'crypto' END AS source,
      CASE WHEN r1 < 0.55 THEN (CASE WHEN r2 < 0.25 THEN 'deposit' ELSE 'usage' END)
           WHEN r1 < 0.75 THEN (CASE WHEN r2 < 0.5 THEN 'adjustment' WHEN r2 < 0.85 THEN 'deposit' ELSE 'reversal' END)
           WHEN r1 < 0.90 THEN (CASE WHEN r2 < 0.3 THEN 'recharge' ELSE 'usage' END)
           ELSE 'deposit' END AS type`;
    const amountOf = `
      CASE WHEN type IN ('deposit', 'recharge') THEN round((20 + r3 * 480)::numeric, 2)
           WHEN type = 'usage' THEN -round((0.05 + r3 * 4.95)::numeric, 2)
           WHEN type = 'reversal' THEN -round((1 + r3 * 49)::numeric, 2)
           WHEN r3 < 0.4 THEN -round((1 + r3 * 50)::numeric, 2)
           ELSE round((1 + r3 * 100)::numeric, 2) END`;
    const descriptionOf = `
      CASE WHEN type = 'usage' AND source = 'sms_gateway' THEN 'SMS campaign ' || (i % 5000)
           WHEN type = 'usage' THEN (1 + i % 900) || ' tokens'
           WHEN type = 'adjustment' THEN 'Portal adjustment'
           WHEN type = 'reversal' THEN 'Reversal of a gateway charge'
           WHEN r3 < 0.1 THEN NULL ELSE 'Top-up' END`;
    // Every account opens with a deposit of `opening`, so usage never runs into the overdraft limit.
    const openingInsert = (accountsSql, opening, span) => `
      INSERT INTO ledger_entries (account_id, amount, currency, source, type, description, balance_after,
                                  occurred_at, created_at, transaction_id, seq)
      SELECT id, ${opening}, 'EUR', 'portal', 'deposit', 'Opening balance', ${opening},
             now() - interval '${span}' - interval '1 day', now() - interval '${span}' - interval '1 day',
             nextval('ledger_transaction_id_seq'), 1
      FROM (${accountsSql}) a ORDER BY id`;
    const ledgerInsert = (accountExpr, partition, n, span, tag, opening) => `
      INSERT INTO ledger_entries (account_id, amount, currency, source, type, description, balance_after,
                                  occurred_at, created_at, external_ref, transaction_id, seq)
      SELECT account_id, amount, 'EUR', source, type, description,
             ${opening} + sum(amount) OVER (${partition} ORDER BY i ROWS UNBOUNDED PRECEDING), at, at, external_ref,
             nextval('ledger_transaction_id_seq'), 1 + row_number() OVER (${partition} ORDER BY i)
      FROM (
        SELECT i, account_id, source, type, ${amountOf} AS amount, ${descriptionOf} AS description,
               CASE WHEN source IN ('sms_gateway', 'mobile_money', 'crypto') THEN 'bench_${tag}_' || i END AS external_ref,
               now() - interval '${span}' + (i::float8 / ${n}) * interval '${span}'
                 - (r3 * interval '1 second') AS at
        FROM (
          SELECT i, ${accountExpr} AS account_id, r1, r2, r3, ${entryMix}
          FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3 FROM generate_series(1, ${n}) i) g
        ) typed
      ) e
      ORDER BY i`;
    await step("opening_balances", openingInsert("SELECT $1::uuid AS id", 100_000, "730 days"), [hot.id]);
    await step(
      "opening_balances_spread",
      openingInsert(
        `SELECT ('00000000-0000-4000-8000-' || (100000000000 + n)::text)::uuid AS id FROM generate_series(1, ${SPREAD_ACCOUNTS}) n`,
        10_000,
        "365 days",
      ),
    );
    await step("ledger_hot", ledgerInsert("$1::uuid", "", rows, "730 days", "hot", 100_000), [hot.id]);
    await step(
      "ledger_spread",
      ledgerInsert(
        `('00000000-0000-4000-8000-' || (100000000000 + 1 + i % ${SPREAD_ACCOUNTS})::text)::uuid`,
        "PARTITION BY account_id",
        spreadRows,
        "365 days",
        "spread",
        10_000,
      ),
    );
    // Each entry's counter-leg, by its path (as migration 0009 gave the single-entry history its own).
    const ofWorkspace = "SELECT id FROM accounts WHERE workspace_id = $1";
    await step(
      "ledger_counter_legs",
      `WITH legs AS (
         INSERT INTO system_legs (transaction_id, account_code, currency, amount, effective_at, posted_at)
         SELECT transaction_id, CASE
             WHEN source IN ('sms_gateway', 'api') AND (type = 'usage' OR (type = 'reversal' AND amount > 0)) THEN 'revenue:usage'
             WHEN source = 'api' THEN 'clearing:api'
             WHEN source = 'portal' AND type = 'adjustment' THEN 'adjustments:portal'
             WHEN source = 'portal' THEN 'clearing:manual'
             ELSE 'clearing:' || source END, currency, -amount, occurred_at, created_at
         FROM ledger_entries e WHERE account_id IN (${ofWorkspace})
           AND NOT EXISTS (SELECT 1 FROM system_legs l WHERE l.transaction_id = e.transaction_id)
         RETURNING account_code, currency, amount)
       INSERT INTO system_balances (account_code, currency, balance)
       SELECT account_code, currency, sum(amount) FROM legs GROUP BY 1, 2`,
      [workspace.id],
    );
    await step(
      "ledger_day_counts",
      `INSERT INTO ledger_day_counts (account_id, day, n)
       SELECT account_id, (occurred_at AT TIME ZONE 'UTC')::date, count(*) FROM ledger_entries
       WHERE account_id IN (${ofWorkspace}) GROUP BY 1, 2
       ON CONFLICT (account_id, day) DO UPDATE SET n = EXCLUDED.n`,
      [workspace.id],
    );
    await client.query("RESET session_replication_role");
    await step(
      "balances",
      `UPDATE accounts a SET balance = s.total, entry_count = s.n, updated_at = now()
       FROM (SELECT account_id, sum(amount) AS total, count(*) AS n FROM ledger_entries WHERE account_id IN (
               SELECT id FROM accounts WHERE workspace_id = $1) GROUP BY account_id) s
       WHERE a.id = s.account_id`,
      [workspace.id],
    );

    // Spec 001: mobile-money payments created with the hot key.
    await step(
      "mobile_money_payments",
      `INSERT INTO mobile_money_payments (workspace_id, account_id, api_key_id, reference, amount, description, status,
         transaction_type, phone, service_mobile_code, created_at, updated_at)
       SELECT $1, $2, $3, 'BENCH_REF_' || i, round((100 + r1 * 49900)::numeric, 0), 'Order ' || i,
         CASE WHEN r2 < 0.60 THEN 'COMPLETE' WHEN r2 < 0.75 THEN 'FAILED' WHEN r2 < 0.85 THEN 'PENDING'
              WHEN r2 < 0.90 THEN 'INIT' ELSE 'TIMEOUT' END,
         CASE WHEN r3 < 0.50 THEN 'PAYMENT' WHEN r3 < 0.70 THEN 'DIRECT_PAYMENT' WHEN r3 < 0.85 THEN 'TRANSFERT'
              ELSE 'RECHARGE' END,
         '2376' || lpad((i % 100000000)::text, 8, '0'), CASE WHEN r1 < 0.6 THEN 'MTN' ELSE 'ORANGE' END,
         at, at + interval '3 minutes'
       FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3,
                    now() - interval '365 days' + (i::float8 / ${mmRows}) * interval '365 days' AS at
             FROM generate_series(1, ${mmRows}) i) g`,
      [workspace.id, hot.id, hotKey.id],
    );
    counts.mobile_money_payments = mmRows;

    // Spec 003: the workspace's SMS payments (5% deleted).
    await step(
      "sms_payments",
      `INSERT INTO sms_payments (id, workspace_id, account_id, amount, payment_method, description, notes,
         payment_date, created_by, deleted_at, created_at, updated_at)
       SELECT substr(md5('bench' || i), 1, 24), $1, $2, round((10 + r1 * 990)::numeric, 2),
         CASE WHEN r2 < 0.4 THEN 'bank-transfer' WHEN r2 < 0.7 THEN 'cash' WHEN r2 < 0.95 THEN 'card' ELSE 'other' END,
         'SMS credit ' || i, CASE WHEN r3 < 0.2 THEN 'Paid at the counter' END, at - interval '1 day', $3::uuid,
         CASE WHEN r3 > 0.95 THEN at + interval '2 days' END, at, at
       FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3,
                    now() - interval '365 days' + (i::float8 / ${smsRows}) * interval '365 days' AS at
             FROM generate_series(1, ${smsRows}) i) g`,
      [workspace.id, hot.id, creds.memberId],
    );
    counts.sms_payments = smsRows;

    // Spec 004: crypto payments.
    await step(
      "crypto_payments",
      `INSERT INTO crypto_payments (workspace_id, account_id, order_id, amount_usd, amount_crypto, currency, blockchain,
         token, address, status, confirmations, created_at, updated_at)
       SELECT $1, $2, 'ORDER-' || i, usd, round(usd * rate, 6), cur, chain, tok,
         CASE WHEN chain = 'TRX' THEN 'T' || substr(md5(i::text), 1, 33) ELSE '0x' || md5(i::text) || substr(md5('a' || i), 1, 8) END,
         CASE WHEN r2 < 0.60 THEN 'completed' WHEN r2 < 0.80 THEN 'expired' WHEN r2 < 0.85 THEN 'failed'
              WHEN r2 < 0.90 THEN 'waiting' WHEN r2 < 0.95 THEN 'confirming' WHEN r2 < 0.98 THEN 'confirmed'
              ELSE 'sending' END,
         (r3 * 30)::int, at, at + interval '20 minutes'
       FROM (SELECT i, r2, r3, at, round((5 + r1 * 995)::numeric, 2) AS usd,
               (ARRAY['USDTTRC20','USDTTRC20','USDTTRC20','USDTTRC20','USDTTRC20','USDTERC20','USDTERC20','BTC','ETH','USDCTRC20'])[1 + (r4 * 10)::int % 10] AS cur
             FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                          now() - interval '365 days' + (i::float8 / ${cryptoRows}) * interval '365 days' AS at
                   FROM generate_series(1, ${cryptoRows}) i) g0) g
       CROSS JOIN LATERAL (SELECT
         CASE WHEN cur LIKE '%TRC20' THEN 'TRX' WHEN cur LIKE '%ERC20' OR cur = 'ETH' THEN 'ETH' ELSE 'BTC' END AS chain,
         CASE WHEN cur LIKE 'USDT%' THEN 'USDT' WHEN cur LIKE 'USDC%' THEN 'USDC' ELSE cur END AS tok,
         CASE cur WHEN 'BTC' THEN 0.00001 WHEN 'ETH' THEN 0.00025 ELSE 1.0005 END AS rate) c`,
      [workspace.id, usd.id],
    );
    counts.crypto_payments = cryptoRows;

    await step(
      "analyze",
      "ANALYZE accounts; ANALYZE ledger_entries; ANALYZE mobile_money_payments; ANALYZE sms_payments; ANALYZE crypto_payments",
    );
    const check = await client.query(
      `SELECT count(*)::int AS bad FROM accounts a
       WHERE a.workspace_id = $1 AND a.balance <> coalesce((SELECT sum(amount) FROM ledger_entries e WHERE e.account_id = a.id), 0)`,
      [workspace.id],
    );
    if (check.rows[0].bad !== 0) throw new Error(`${check.rows[0].bad} seeded balances differ from their entries`);
  } finally {
    await client.end();
  }
  const sqlMs = Object.values(timings).reduce((a, b) => a + b, 0);
  log(
    `[seed] ${rows.toLocaleString("en")} hot + ${spreadRows.toLocaleString("en")} spread ledger rows, ` +
      `${mmRows.toLocaleString("en")} mobile-money, ${smsRows.toLocaleString("en")} SMS and ` +
      `${cryptoRows.toLocaleString("en")} crypto payments in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
      `(SQL ${(sqlMs / 1000).toFixed(1)} s: ${Object.entries(timings)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
        .join(", ")}; API ${(tApi / 1000).toFixed(1)} s)`,
  );
  return { ...creds, paths, counts, seedMs: Date.now() - t0 };
}
