// Per-credential rate limits (Workers Rate Limiting, simulated by Miniflare). Each test uses up a fresh
// credential's budget through the very binding and key the worker counts on, then shows the worker's
// next request refused: 429 in the surface's own shape, Retry-After, and nothing posted.
//
// Miniflare counts in fixed windows aligned to the clock: a test whose requests straddle a window turn is
// run again with fresh credentials (`inOneWindow`), never judged on a half-reset counter.
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../functions/index";
import type { Bindings } from "../src/env";
import { credentials, limiterFor, RATE_LIMIT_VARS, type RateLimitClass, rateLimitKey } from "../src/http/rate-limit";
import {
  accessToken,
  basic,
  createClient,
  statusEvent as cryptoStatus,
  form,
  signed,
  tokenRequest,
} from "./crypto-helpers";
import { PNG_MAGIC } from "./fixtures/files";
import {
  ADMIN,
  adjust,
  adminCall,
  callRoute,
  createAccount,
  createWorkspace,
  expectStatus,
  ledgerInvariant,
  query,
  routes,
  setGateway,
  sql,
  tenant,
} from "./helpers";
import { ALL_KEY_PERMISSIONS, expectOk, recordSmsPayment, workspaceMember } from "./story-helpers";
import { statusEvent as mobileMoneyStatus, newEventId, signedHeaders } from "./webhook-signing";

afterEach(async () => {
  await setGateway("ok");
});

/**
 * Counts `credential`'s requests in `cls` on the worker's binding until only `leave` remain, given the
 * `used` requests the test already sent with it.
 */
async function spend(
  cls: RateLimitClass,
  credential: string,
  { leave = 0, used = 0, bindings = env }: { leave?: number; used?: number; bindings?: Bindings } = {},
) {
  const limiter = limiterFor(bindings, cls);
  if (typeof limiter === "string" || limiter === null) throw new Error(limiter ?? `${cls} is not limited`);
  const key = rateLimitKey(cls, credential);
  const count = limiter.limit - leave - used;
  for (let done = 0; done < count; ) {
    const batch = Math.min(200, count - done);
    const outcomes = await Promise.all(Array.from({ length: batch }, () => limiter.binding.limit({ key })));
    if (!outcomes.every((o) => o.success)) throw new Error(`${credential} had used its ${cls} budget already`);
    done += batch;
  }
  return limiter;
}

/** Runs `attempt` until one run falls inside a single window of `period` seconds (at most 3 runs). */
async function inOneWindow(period: number, attempt: () => Promise<void>) {
  const window = () => Math.floor(Date.now() / (period * 1000));
  for (let run = 0; run < 3; run++) {
    const start = window();
    const failure = await attempt().then(
      () => null,
      (err: unknown) => err,
    );
    if (window() === start) {
      if (failure) throw failure;
      return;
    }
  }
  throw new Error("three runs in a row straddled a rate-limit window");
}

const PERIOD = 60;

function expectRefused(res: { status: number; headers: Headers }) {
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after")).toBe(String(PERIOD));
}

const LIMIT_MESSAGE = expect.stringMatching(/^Rate limit exceeded: at most \d+ .+ per 60 seconds/);

/** The key-authenticated reads of specs 000, 001 and 002; answers typed by their route. */
const keyed = (key: string) => ({ "x-api-key": key });
const payments000 = (key: string) => callRoute(routes.userPayments.listPayments, {}, keyed(key));
const balance000 = (key: string) => callRoute(routes.userPayments.getBalance, {}, keyed(key));
const list001 = (key: string) => callRoute(routes.paiements.listByApiKey, {}, keyed(key));
const transactions002 = (t: { key: string; account: { id: string } }) =>
  callRoute(routes.accountTransactions.listTransactions, { params: { accountId: t.account.id } }, { api_key: t.key });
/** The member-authenticated list and delete of spec 003. */
const smsParams = (workspaceId: string) => ({ workspaceId });
const bearerOf = (token: string) => ({ authorization: `Bearer ${token}` });

describe("per API key (specs 000, 001, 002)", () => {
  it("refuses the request past the limit with 429 in spec 000's shape, Retry-After and the gateway header", async () => {
    await inOneWindow(PERIOD, async () => {
      const t = await tenant(["payments.read", "balance.read"]);
      await adjust(t.account.id, 10);
      const limiter = await spend("read", credentials.apiKey(t.keyId), { leave: 1 });
      expect(limiter.limit).toBe(1200);
      const last = await payments000(t.key);
      expect(last.status).toBe(200);
      for (const read of [payments000, balance000]) {
        const res = await read(t.key);
        expectRefused(res);
        expect(res.json).toEqual({ error_code: "RATE_LIMITED", description: LIMIT_MESSAGE });
        expect(res.headers.get("x-sms-gateway-status")).toBe("ok");
      }
    });
  });

  it("counts the answers decided from KV alone against the same budget", async () => {
    await setGateway("unavailable");
    await inOneWindow(PERIOD, async () => {
      const t = await tenant(["payments.read"]);
      await spend("read", credentials.apiKey(t.keyId), { leave: 2 });
      for (let i = 0; i < 2; i++) {
        expect(expectStatus(await payments000(t.key), 200)).toEqual([]);
      }
      const refused = await payments000(t.key);
      expectRefused(refused);
      expect(refused.headers.get("x-sms-gateway-status")).toBe("unavailable");
    });
  });

  it("gives one read budget to a key across 000, 001 and 002", async () => {
    await inOneWindow(PERIOD, async () => {
      const t = await tenant(ALL_KEY_PERMISSIONS);
      await spend("read", credentials.apiKey(t.keyId), { leave: 2 });
      expect((await balance000(t.key)).status).toBe(200);
      expect((await list001(t.key)).status).toBe(200);
      const res = await transactions002(t);
      expectRefused(res);
      expect(res.json).toEqual({ error: { code: "rate_limited", message: LIMIT_MESSAGE } });
      const refused001 = await list001(t.key);
      expectRefused(refused001);
      expect(refused001.json).toEqual({ statusCode: 429, message: LIMIT_MESSAGE, error: "Too Many Requests" });
    });
  });

  it("refuses money writes past their own limit, posting nothing, while reads go on", async () => {
    await inOneWindow(PERIOD, async () => {
      const t = await tenant(ALL_KEY_PERMISSIONS);
      await adjust(t.account.id, 100);
      const limiter = await spend("money", credentials.apiKey(t.keyId));
      expect(limiter.limit).toBe(300);
      const before = await ledgerInvariant(t.account.id);
      const params = { accountId: t.account.id };
      const headers = { api_key: t.key, "Idempotency-Key": `limited-${t.keyId}` };
      for (const res of [
        await callRoute(routes.accountTransactions.addFunds, { params, json: { amount: 5 } }, headers),
        await callRoute(
          routes.accountTransactions.recordUsage,
          { params, json: { details: "x", amount: 1, date: "2026-01-01 00.00:00" } },
          headers,
        ),
      ]) {
        expectRefused(res);
        expect(res.json).toEqual({ error: { code: "rate_limited", message: LIMIT_MESSAGE } });
      }
      const mm = await callRoute(
        routes.paiements.createPayment,
        { json: { transaction_type: "PAYMENT", amount: 10 } },
        keyed(t.key),
      );
      expectRefused(mm);
      expect(mm.json).toEqual({ statusCode: 429, message: LIMIT_MESSAGE, error: "Too Many Requests" });

      expect(await ledgerInvariant(t.account.id)).toEqual(before);
      const [stored] = await query<{ n: number }>(sql`
        SELECT (SELECT count(*) FROM idempotency_keys WHERE key = ${headers["Idempotency-Key"]})::int
             + (SELECT count(*) FROM mobile_money_payments WHERE api_key_id = ${t.keyId})::int AS n`);
      expect(stored?.n).toBe(0);
      expect(expectStatus(await transactions002(t), 200).total).toBe(1);
    });
  });
});

describe("per member (spec 003)", () => {
  const PNG = new Uint8Array([...PNG_MAGIC, 1, 2, 3]);

  it("refuses recording and deleting past the money limit: no ledger row, no stored receipt", async () => {
    await inOneWindow(PERIOD, async () => {
      const ws = await createWorkspace("Limited SMS");
      const account = await createAccount(ws.id, { currency: "EUR" });
      const owner = await workspaceMember(ws.id);
      const kept = expectOk(await recordSmsPayment(ws.id, owner.token, { amount: "5", paymentMethod: "cash" }), 201);
      await spend("money", credentials.member(owner.id), { used: 1 });
      const before = await ledgerInvariant(account.id);

      const res = await recordSmsPayment(
        ws.id,
        owner.token,
        { amount: "9", paymentMethod: "card" },
        { filename: "r.png", type: "image/png", bytes: PNG },
      );
      expectRefused(res);
      expect(res.json).toEqual({ error: { code: "rate_limited", message: LIMIT_MESSAGE } });
      const removed = await callRoute(
        routes.smsPayments.deletePayment,
        { params: { ...smsParams(ws.id), id: kept.json.id } },
        bearerOf(owner.token),
      );
      expectRefused(removed);

      expect(await ledgerInvariant(account.id)).toEqual(before);
      expect((await env.RECEIPTS.list({ prefix: `sms-payments/${ws.id}/` })).objects).toEqual([]);
      const listed = await callRoute(
        routes.smsPayments.listPayments,
        { params: smsParams(ws.id) },
        bearerOf(owner.token),
      );
      expect(expectStatus(listed, 200).payments.map((p) => p.id)).toEqual([kept.json.id]);
    });
  });

  it("counts list reads and receipt-link downloads against the member's read budget", async () => {
    await inOneWindow(PERIOD, async () => {
      const ws = await createWorkspace("Limited reads");
      await createAccount(ws.id, { currency: "EUR" });
      const owner = await workspaceMember(ws.id);
      const created = expectOk(
        await recordSmsPayment(
          ws.id,
          owner.token,
          { amount: "3", paymentMethod: "cash" },
          { filename: "r.png", type: "image/png", bytes: PNG },
        ),
        201,
      );
      await spend("read", credentials.member(owner.id), { leave: 1 });
      const link = created.json.receiptImage!.url;
      expect((await SELF.fetch(link)).status).toBe(200);
      const refused = await SELF.fetch(link);
      expectRefused(refused);
      expect(await refused.json()).toEqual({ error: { code: "rate_limited", message: LIMIT_MESSAGE } });
      expectRefused(
        await callRoute(routes.smsPayments.listPayments, { params: smsParams(ws.id) }, bearerOf(owner.token)),
      );
    });
  });
});

describe("per OAuth client (spec 004 and /oauth/token)", () => {
  it("refuses creates past the money limit (no payment), then reads past the read limit", async () => {
    await inOneWindow(PERIOD, async () => {
      const ws = await createWorkspace("Limited merchant");
      await createAccount(ws.id, { currency: "USD" });
      const client = await createClient(ws.id);
      const token = await accessToken(client);
      const [row] = await query<{ id: string }>(
        sql`SELECT id::text AS id FROM oauth_clients WHERE client_id = ${client.client_id}`,
      );
      const auth = { authorization: `Bearer ${token}` };

      await spend("money", credentials.oauthClient(row!.id));
      const created = await callRoute(
        routes.cryptoPayments.createPayment,
        { json: { amount_usd: "10.00", currency: "USDTTRC20", order_id: "LIMITED-1" } },
        auth,
      );
      expectRefused(created);
      expect(created.json).toEqual({ error: { code: "throttled", message: LIMIT_MESSAGE } });
      const [count] = await query<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM crypto_payments WHERE workspace_id = ${ws.id}`,
      );
      expect(count?.n).toBe(0);
      expect((await callRoute(routes.cryptoPayments.listPayments, {}, auth)).status).toBe(200);

      await spend("read", credentials.oauthClient(row!.id), { used: 1 });
      expectRefused(await callRoute(routes.cryptoPayments.listPayments, {}, auth));
      expectRefused(
        await callRoute(
          routes.cryptoPayments.paymentStatus,
          { json: { transaction_id: "550e8400-e29b-41d4-a716-446655440000" } },
          auth,
        ),
      );
    });
  });

  it("refuses token requests per client_id in the OAuth error shape", async () => {
    await inOneWindow(PERIOD, async () => {
      const ws = await createWorkspace("Limited tokens");
      const client = await createClient(ws.id);
      await spend("read", credentials.oauthClientId(client.client_id), { leave: 1 });
      const request = (headers: Record<string, string>, body: Record<string, string>) =>
        tokenRequest(form({ grant_type: "client_credentials", ...body }), headers);
      expect((await request({}, { client_id: client.client_id, client_secret: client.client_secret })).status).toBe(
        200,
      );
      for (const res of [
        await request({ authorization: basic(client.client_id, client.client_secret) }, {}),
        await request({}, { client_id: client.client_id, client_secret: client.client_secret }),
      ]) {
        expectRefused(res);
        expect(res.json).toEqual({ error: "temporarily_unavailable", error_description: LIMIT_MESSAGE });
        expect(res.headers.get("cache-control")).toBe("no-store");
      }
    });
  });
});

describe("service credentials: the admin token and each webhook upstream", () => {
  // Every test file shares the admin token and the upstreams, so these tests lower their limit through
  // the var (as a deployment would) to a binding no other test counts on, and call the real worker
  // with that environment.
  const limited: typeof env = { ...env, RATE_LIMIT_SERVICE: "60/60s" };

  async function fetchLimited(path: string, init: RequestInit) {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(`https://api.test${path}`, init), limited, ctx);
    await waitOnExecutionContext(ctx);
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    return { status: res.status, headers: res.headers, json };
  }

  it("refuses the admin token past its limit in the admin shape, posting nothing", async () => {
    await inOneWindow(PERIOD, async () => {
      const t = await tenant(["balance.read"]);
      await adjust(t.account.id, 20);
      const before = await ledgerInvariant(t.account.id);
      await spend("service", credentials.admin(), { leave: 0, bindings: limited });
      const res = await fetchLimited(`/admin/v1/accounts/${t.account.id}/adjustments`, {
        method: "POST",
        headers: { ...ADMIN, "content-type": "application/json" },
        body: JSON.stringify({ amount: "5", description: "over the limit" }),
      });
      expectRefused(res);
      expect(res.json).toEqual({ error: { code: "rate_limited", message: LIMIT_MESSAGE } });
      expect(await ledgerInvariant(t.account.id)).toEqual(before);
      // The default limit (through the deployed vars) is another binding: the same token still works there.
      expect((await adminCall(routes.gateway.getGatewayStatus, {})).status).toBe(200);
    });
  });

  it("counts only correctly signed webhooks per upstream, and refuses the one past the limit", async () => {
    await inOneWindow(PERIOD, async () => {
      const t = await tenant(["balance.read"]);
      await spend("service", credentials.upstream("sms_gateway"), { leave: 1, bindings: limited });
      const deposit = (amount: string) =>
        JSON.stringify({ type: "deposit.received", data: { account_id: t.account.id, amount } });
      const post = (body: string, headers: Record<string, string>) =>
        fetchLimited("/webhooks/sms-gateway", {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body,
        });
      // Unsigned or wrongly signed: 401, and the upstream's budget is untouched.
      for (let i = 0; i < 3; i++) {
        const forged = await post(
          deposit("1"),
          signedHeaders(deposit("1"), { secret: env.MOBILE_MONEY_WEBHOOK_SECRET }),
        );
        expect(forged.status).toBe(401);
      }
      const first = await post(
        deposit("2.50"),
        signedHeaders(deposit("2.50"), { secret: env.SMS_GATEWAY_WEBHOOK_SECRET }),
      );
      expect(first.status).toBe(200);
      const refused = await post(deposit("7"), signedHeaders(deposit("7"), { secret: env.SMS_GATEWAY_WEBHOOK_SECRET }));
      expectRefused(refused);
      expect(refused.json).toEqual({ error: { code: "rate_limited", message: LIMIT_MESSAGE } });
      expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "2.5000", count: 1 });
    });
  });

  it("refuses the mobile-money and crypto upstreams past their limits in their shapes", async () => {
    await inOneWindow(PERIOD, async () => {
      await spend("service", credentials.upstream("mobile_money"), { leave: 0, bindings: limited });
      await spend("service", credentials.upstream("crypto"), { leave: 0, bindings: limited });
      const mmBody = mobileMoneyStatus("API_PAY_REF_NONE", "PENDING");
      const mm = await fetchLimited("/webhooks/mobile-money", {
        method: "POST",
        headers: { "content-type": "application/json", ...signedHeaders(mmBody) },
        body: mmBody,
      });
      expectRefused(mm);
      expect(mm.json).toEqual({ error: { code: "rate_limited", message: LIMIT_MESSAGE } });
      const cryptoBody = cryptoStatus("550e8400-e29b-41d4-a716-446655440000", "completed");
      const crypto = await fetchLimited("/webhooks/crypto", {
        method: "POST",
        headers: { "content-type": "application/json", ...signed(cryptoBody, { id: newEventId() }) },
        body: cryptoBody,
      });
      expectRefused(crypto);
      expect(crypto.json).toEqual({ error: { code: "throttled", message: LIMIT_MESSAGE } });
    });
  });
});

describe("limits set in vars", () => {
  it("answers 500 (never unlimited) when a var names no limiter binding", async () => {
    const t = await tenant(["balance.read"]);
    for (const value of ["7/60s", "1200/30s", "fast"]) {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request("https://api.test/api/v1/user/balance", { headers: { "x-api-key": t.key } }),
        { ...env, RATE_LIMIT_READS: value },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(res.status, value).toBe(500);
      expect(await res.json(), value).toEqual({
        error_code: "INTERNAL_ERROR",
        description: "Internal server error",
        request_id: expect.any(String),
      });
    }
  });

  it("declares a binding for every default var, counting exactly the limit its name says", async () => {
    for (const cls of ["read", "money", "service"] as const) {
      await inOneWindow(PERIOD, async () => {
        const probe = `probe:${crypto.randomUUID()}`;
        const limiter = await spend(cls, probe);
        expect(`${limiter.limit}/${limiter.period}s`).toBe(env[RATE_LIMIT_VARS[cls]]);
        expect((await limiter.binding.limit({ key: rateLimitKey(cls, probe) })).success).toBe(false);
      });
    }
  });
});
