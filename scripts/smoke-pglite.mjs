// `npm run test:smoke`: the path of a machine with nothing but Node. Starts `npm run dev` on embedded
// PGlite (PAYMENTS_EDGE_DB=pglite) in a throwaway data directory, moves money once through every surface
// that moves money (spec 001, 002, 003, 004, an admin adjustment) and the SMS gateway's webhook, reads
// spec 000, then checks the trial balance is zero in every currency and the account holds exactly the sum.
// Exit code 0 when all of it holds.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, projectRoot, readVarsFile } from "./lib/local-vars.mjs";
import { signedHeaders } from "./lib/standard-webhooks.mjs";

const vars = readVarsFile(path.join(projectRoot, "scripts/local-defaults.vars"));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "payments-edge-smoke-"));
const READY_MS = 240_000;

const dev = spawn(process.execPath, [path.join(projectRoot, "scripts/dev.mjs")], {
  cwd: projectRoot,
  env: {
    ...process.env,
    PAYMENTS_EDGE_DB: "pglite",
    PAYMENTS_EDGE_PORT: String(port),
    PAYMENTS_EDGE_DATA_DIR: dataDir,
  },
  stdio: ["ignore", "pipe", "pipe"],
  detached: true,
});
let output = "";
dev.stdout.on("data", (d) => {
  output += d;
});
dev.stderr.on("data", (d) => {
  output += d;
});

const failures = [];
const check = (ok, what) => {
  console.log(`[smoke] ${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

/**
 * @param {string} method
 * @param {string} route
 * @param {{ headers?: Record<string, string>, body?: unknown, raw?: string }} [options]
 */
async function call(method, route, { headers = {}, body, raw } = {}) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { ...(body !== undefined && !raw ? { "content-type": "application/json" } : {}), ...headers },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}
const admin = (method, route, body) =>
  call(method, `/admin/v1${route}`, { headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}` }, body });
const webhook = (route, secret, event) => {
  const body = JSON.stringify(event);
  return call("POST", route, {
    headers: { ...signedHeaders(secret, `smoke_${crypto.randomUUID()}`, body), "content-type": "application/json" },
    raw: body,
  });
};
async function must(res, status, what) {
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status}: ${res.text.slice(0, 300)}`);
  return res.json;
}

try {
  const started = Date.now();
  while (!/\[dev\] demo data/.test(output)) {
    if (dev.exitCode !== null) throw new Error(`npm run dev exited (${dev.exitCode})`);
    if (Date.now() - started > READY_MS) throw new Error("npm run dev did not finish starting in time");
    await new Promise((r) => setTimeout(r, 500));
  }
  check(/embedded PGlite/.test(output), "npm run dev chose embedded PGlite");

  const ws = await must(await admin("POST", "/workspaces", { name: "Smoke" }), 201, "workspace");
  const acct = await must(await admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "USD" }), 201, "account");
  const permissions = ["payments.read", "payments.write", "balance.read", "transactions.read", "funds.write"];
  const key = await must(
    await admin("POST", `/workspaces/${ws.id}/api-keys`, { account_id: acct.id, permissions }),
    201,
    "api key",
  );

  // Admin adjustment: +100.00
  await must(
    await admin("POST", `/accounts/${acct.id}/adjustments`, { amount: "100.00", description: "smoke" }),
    201,
    "adjustment",
  );
  // Spec 002 add-funds: +20.00
  await must(
    await call("POST", `/v1/account/${acct.id}/transactions/add-funds`, {
      headers: { api_key: key.key },
      body: { amount: 20 },
    }),
    200,
    "spec 002 add-funds",
  );
  // Spec 001: a payment of 12.50 that the mobile-money gateway completes.
  const mm = await must(
    await call("POST", "/api/paiements", {
      headers: { "x-api-key": key.key },
      body: { transaction_type: "PAYMENT", amount: "12.50" },
    }),
    201,
    "spec 001 create",
  );
  for (const status of ["PENDING", "COMPLETE"]) {
    await must(
      await webhook("/webhooks/mobile-money", vars.MOBILE_MONEY_WEBHOOK_SECRET, {
        type: "payment.status_changed",
        data: { reference: mm.reference, status },
      }),
      200,
      `mobile-money ${status}`,
    );
  }
  // Spec 003: an SMS payment of 5.00 recorded by the workspace's owner.
  const member = await must(
    await admin("POST", `/workspaces/${ws.id}/members`, { email: "owner@smoke.test", role: "owner", permissions: [] }),
    201,
    "member",
  );
  const token = await must(await admin("POST", `/members/${member.id}/tokens`, {}), 201, "member token");
  const form = new FormData();
  form.set("amount", "5.00");
  form.set("paymentMethod", "cash");
  const sms = await fetch(`${base}/api/v1/workspace/${ws.id}/sms/payments`, {
    method: "POST",
    headers: { authorization: `Bearer ${token.token}` },
    body: form,
  });
  check(sms.status === 201, `spec 003 SMS payment answered ${sms.status}`);
  // Spec 004: a crypto payment of 7.25 that the processor completes.
  const client = await must(
    await admin("POST", `/workspaces/${ws.id}/oauth-clients`, { name: "smoke", scopes: ["read", "write"] }),
    201,
    "oauth client",
  );
  const oauth = await must(
    await call("POST", "/oauth/token", {
      headers: {
        authorization: `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      raw: "grant_type=client_credentials",
    }),
    200,
    "oauth token",
  );
  const crypto004 = await must(
    await call("POST", "/payments/", {
      headers: { authorization: `Bearer ${oauth.access_token}` },
      body: { amount_usd: "7.25", currency: "USDTTRC20", order_id: "SMOKE-1" },
    }),
    201,
    "spec 004 create",
  );
  await must(
    await webhook("/webhooks/crypto", vars.CRYPTO_WEBHOOK_SECRET, {
      type: "payment.status",
      data: { transaction_id: crypto004.transaction_id, status: "completed" },
    }),
    200,
    "crypto completed",
  );
  // The SMS gateway: a deposit of 3.00.
  await must(
    await webhook("/webhooks/sms-gateway", vars.SMS_GATEWAY_WEBHOOK_SECRET, {
      type: "deposit.received",
      data: { account_id: acct.id, amount: "3.00", description: "smoke deposit" },
    }),
    200,
    "sms-gateway deposit",
  );
  // Spec 000 reads what all of it did: 100 + 20 + 12.50 + 5 + 7.25 + 3 = 147.75.
  const balance = await must(
    await call("GET", "/api/v1/user/balance", { headers: { "x-api-key": key.key } }),
    200,
    "spec 000 balance",
  );
  check(JSON.stringify(balance).includes("147.75"), `spec 000 balance shows 147.75 (${JSON.stringify(balance)})`);

  const trial = await must(await admin("GET", "/ledger/trial-balance"), 200, "trial balance");
  for (const c of trial.currencies) check(/^-?0(\.0+)?$/.test(c.total), `trial balance ${c.currency} total ${c.total}`);
  const usd = trial.currencies.find((c) => c.currency === "USD");
  const codes = (usd?.system_accounts ?? []).map((s) => s.code).sort();
  for (const code of [
    "adjustments:portal",
    "clearing:api",
    "clearing:crypto",
    "clearing:manual",
    "clearing:mobile_money",
    "clearing:sms_gateway",
  ])
    check(codes.includes(code), `USD system account ${code} holds a counter-leg`);
} catch (err) {
  check(false, err instanceof Error ? err.message : String(err));
  console.error(output.split("\n").slice(-40).join("\n"));
} finally {
  try {
    process.kill(-dev.pid, "SIGINT");
  } catch {}
  await new Promise((r) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-dev.pid, "SIGKILL");
      } catch {}
      r();
    }, 20_000);
    dev.on("exit", () => {
      clearTimeout(timer);
      r();
    });
  });
  fs.rmSync(dataDir, { recursive: true, force: true });
}
console.log(`[smoke] ${failures.length === 0 ? "passed" : `${failures.length} failure(s)`}`);
process.exit(failures.length === 0 ? 0 : 1);
