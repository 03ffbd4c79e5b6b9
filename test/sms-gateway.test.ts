import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../functions/index";
import { runGatewayMonitor } from "../src/edge/gateway-monitor";
import { clearGatewayState, writeGatewayState } from "../src/edge/kv-state";
import {
  adminCall,
  assertStatus,
  callRoute,
  callRouteUnchecked,
  expectStatus,
  ledgerInvariant,
  query,
  routes,
  sql,
  tenant,
} from "./helpers";
import { newEventId, signedHeaders } from "./webhook-signing";

const secret = () => env.SMS_GATEWAY_WEBHOOK_SECRET;

function post(
  body: unknown,
  opts: { id?: string; timestamp?: Date; secret?: string; headers?: Record<string, string> } = {},
) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return send({ ...signedHeaders(text, { secret: opts.secret ?? secret(), ...opts }), ...opts.headers }, text);
}

/** POSTs `body` to the SMS gateway receiver with exactly the headers given (none, or a tampered set). */
const send = (headers: Record<string, string>, body: string) =>
  callRouteUnchecked(routes.webhooks.receiveSmsGatewayEvent, { body }, headers);

/** Spec 000's payment list for an API key. */
const userPayments = (key: string) => callRoute(routes.userPayments.listPayments, {}, { "x-api-key": key });

const deposit = (account_id: string, amount: number | string, extra: Record<string, unknown> = {}) => ({
  type: "deposit.received",
  data: { account_id, amount, description: "Gateway deposit", ...extra },
});
const usage = (account_id: string, amount: number | string) => ({
  type: "usage.charged",
  data: { account_id, amount, description: "SMS usage" },
});

async function entryCount(accountId: string) {
  return (await ledgerInvariant(accountId)).count;
}

describe("POST /webhooks/sms-gateway: events take effect exactly once", () => {
  it("posts a deposit that spec 000 then shows as an sms_gateway payment", async () => {
    const t = await tenant(["payments.read", "balance.read"]);
    const res = await post(deposit(t.account.id, 500, { occurred_at: "2026-02-10T14:30:00Z" }));
    assertStatus(res, 200);
    expect(res.json).toMatchObject({ status: "processed", entry_id: expect.any(Number) });
    const payments = await userPayments(t.key);
    expect(expectStatus(payments, 200)).toEqual([
      {
        id: `sms_gateway_S${res.json.entry_id}`,
        amount: 500,
        currency: "EUR",
        date: "2026-02-10T14:30:00Z",
        type: "deposit",
        description: "Gateway deposit",
        source: "sms_gateway",
      },
    ]);
  });

  it("answers 200 to a redelivery and changes nothing", async () => {
    const t = await tenant(["balance.read"]);
    const id = newEventId();
    const first = await post(deposit(t.account.id, 10), { id });
    const again = await post(deposit(t.account.id, 10), { id });
    expect(expectStatus(first, 200).status).toBe("processed");
    expect(expectStatus(again, 200).status).toBe("duplicate");
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ count: 1, balance: "10.0000", sum: "10.0000" });
  });

  it("posts once when the same event is delivered concurrently", async () => {
    const t = await tenant(["balance.read"]);
    const id = newEventId();
    const results = await Promise.all(Array.from({ length: 6 }, () => post(deposit(t.account.id, "2.50"), { id })));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(results.filter((r) => expectStatus(r, 200).status === "processed")).toHaveLength(1);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ count: 1, balance: "2.5000", sum: "2.5000" });
  });

  it("keeps the overdraft flag on a redelivered charge, and clears it with a posting of any surface", async () => {
    const t = await tenant(["balance.read"]);
    const id = newEventId();
    expect(expectStatus(await post(usage(t.account.id, -1), { id }), 200).status).toBe("processed");
    const flag = async () =>
      (
        await query<{ overdrawn: boolean }>(
          sql`SELECT overdrawn_at IS NOT NULL AS overdrawn FROM accounts WHERE id = ${t.account.id}`,
        )
      )[0]?.overdrawn;
    expect(await flag()).toBe(true);
    // A redelivery is a duplicate: nothing posts and nothing changes, the flag included.
    expect(expectStatus(await post(usage(t.account.id, -1), { id }), 200).status).toBe("duplicate");
    expect(await flag()).toBe(true);
    // Money from another surface (an admin adjustment) brings the balance back, and the flag goes.
    expectStatus(
      await adminCall(routes.entries.createAdjustment, {
        params: { account_id: t.account.id },
        json: { amount: "1", description: "settles the usage" },
      }),
      201,
    );
    expect(await flag()).toBe(false);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ count: 2, balance: "0.0000", sum: "0.0000" });
  });

  it("records usage past the overdraft limit as owed and flags the account until a deposit clears it", async () => {
    const t = await tenant(["balance.read"]);
    await post(deposit(t.account.id, 1));
    const charge = await post(usage(t.account.id, -3.5));
    expect(expectStatus(charge, 200).status).toBe("processed");
    const flagged = await query<{ balance: string; overdrawn: boolean }>(
      sql`SELECT balance::text AS balance, overdrawn_at IS NOT NULL AS overdrawn FROM accounts WHERE id = ${t.account.id}`,
    );
    expect(flagged[0]).toEqual({ balance: "-2.5000", overdrawn: true });
    await post(deposit(t.account.id, 5));
    const cleared = await query<{ overdrawn: boolean }>(
      sql`SELECT overdrawn_at IS NOT NULL AS overdrawn FROM accounts WHERE id = ${t.account.id}`,
    );
    expect(cleared[0]?.overdrawn).toBe(false);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ count: 3, balance: "2.5000", sum: "2.5000" });
  });

  it("reverses an earlier event once, with a new ledger row", async () => {
    const t = await tenant(["balance.read"]);
    const original = newEventId();
    await post(deposit(t.account.id, 40), { id: original });
    const reversal = await post({ type: "event.reversed", data: { event_id: original, reason: "chargeback" } });
    expect(expectStatus(reversal, 200).status).toBe("processed");
    const twice = await post({ type: "event.reversed", data: { event_id: original } });
    expect(twice.status).toBe(409);
    const unknown = await post({ type: "event.reversed", data: { event_id: "msg_never_sent" } });
    expect(unknown.status).toBe(404);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ count: 2, balance: "0.0000", sum: "0.0000" });
    const types = await query<{ type: string }>(
      sql`SELECT type FROM ledger_entries WHERE account_id = ${t.account.id} ORDER BY id`,
    );
    expect(types.map((r) => r.type)).toEqual(["deposit", "reversal"]);
  });

  it("refuses unknown accounts, wrong signs and amounts the currency cannot hold, storing nothing", async () => {
    const t = await tenant(["balance.read"]);
    const cases: [unknown, number][] = [
      [deposit("00000000-0000-4000-8000-000000000000", 5), 404],
      [deposit(t.account.id, -5), 400],
      [usage(t.account.id, 5), 400],
      [deposit(t.account.id, "1.001"), 400],
      [{ type: "refund.issued", data: {} }, 400],
      [{ type: "deposit.received" }, 400],
    ];
    for (const [body, status] of cases) {
      const id = newEventId();
      const res = await post(body, { id });
      expect(res.status, JSON.stringify(body)).toBe(status);
      if (res.status === 200) throw new Error(`accepted ${JSON.stringify(body)}`);
      expect(res.json.error.message).toEqual(expect.any(String));
      const stored = await query(sql`SELECT 1 FROM webhook_events WHERE event_id = ${id}`);
      expect(stored).toHaveLength(0);
    }
    expect(await entryCount(t.account.id)).toBe(0);
  });
});

describe("POST /webhooks/sms-gateway: zero and wrong-signed amounts", () => {
  it("answers 400 to a zero deposit or charge, and 400 again to each redelivery, storing nothing", async () => {
    const t = await tenant(["balance.read"]);
    const cases: [unknown, string][] = [
      [deposit(t.account.id, 0), "data.amount: deposits must be positive"],
      [deposit(t.account.id, "0.00"), "data.amount: deposits must be positive"],
      [deposit(t.account.id, "-0"), "data.amount: deposits must be positive"],
      [deposit(t.account.id, "-0.01"), "data.amount: deposits must be positive"],
      [usage(t.account.id, 0), "data.amount: usage must be negative"],
      [usage(t.account.id, "-0.00"), "data.amount: usage must be negative"],
    ];
    for (const [body, message] of cases) {
      const id = newEventId();
      for (const delivery of ["first", "redelivery"]) {
        const res = await post(body, { id });
        expect({ delivery, status: res.status, json: res.json }).toEqual({
          delivery,
          status: 400,
          json: { error: { code: "bad_request", message } },
        });
      }
      expect(await query(sql`SELECT 1 FROM webhook_events WHERE event_id = ${id}`)).toEqual([]);
    }
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ count: 0, balance: "0.0000", sum: "0" });
  });
});

describe("POST /webhooks/sms-gateway: signatures", () => {
  it("rejects a missing signature, a wrong secret, a modified body and a stale timestamp", async () => {
    const t = await tenant(["balance.read"]);
    const body = JSON.stringify(deposit(t.account.id, 1));
    const unsigned = await send({}, body);
    expect(unsigned.status).toBe(400);
    const wrongSecret = await post(body, { secret: env.MOBILE_MONEY_WEBHOOK_SECRET });
    expect(wrongSecret.status).toBe(401);
    const headers = signedHeaders(body, { secret: secret() });
    const tampered = await send(headers, body.replace('"amount":1', '"amount":1000'));
    expect(tampered.status).toBe(401);
    const stale = await post(body, { timestamp: new Date(Date.now() - 6 * 60_000) });
    expect(stale.status).toBe(401);
    const future = await post(body, { timestamp: new Date(Date.now() + 6 * 60_000) });
    expect(future.status).toBe(401);
    expect(await entryCount(t.account.id)).toBe(0);
  });

  it("accepts a delivery signed with several secrets during a rotation when one matches", async () => {
    const t = await tenant(["balance.read"]);
    const body = JSON.stringify(deposit(t.account.id, 1));
    const id = newEventId();
    const now = new Date();
    const oldSig = new Webhook("whsec_b2xkLXJvdGF0ZWQtc2VjcmV0LW5vLWxvbmdlci11c2Vk").sign(id, now, body);
    const goodSig = new Webhook(secret()).sign(id, now, body);
    const res = await send(
      {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": `${oldSig} ${goodSig}`,
      },
      body,
    );
    expect(res.status).toBe(200);
    expect(await entryCount(t.account.id)).toBe(1);
  });
});

async function setFakeGateway(mode: "ok" | "degraded" | "error" | "garbage" | "hang") {
  const res = await fetch(`${env.FAKE_SMS_GATEWAY_URL}/__mode`, { method: "POST", body: JSON.stringify({ mode }) });
  expect(res.status).toBe(204);
}

async function runMonitor(overrides: Partial<typeof env> = {}) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }),
    { ...env, SMS_GATEWAY_HEALTH_URL: `${env.FAKE_SMS_GATEWAY_URL}/health`, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return expectStatus(await adminCall(routes.gateway.getGatewayStatus, {}), 200);
}

describe("gateway availability monitor", () => {
  afterEach(async () => {
    await setFakeGateway("ok");
    await clearGatewayState(env.EDGE_KV);
  });

  it("moves ok → partial → unavailable → ok with the fake gateway, writing only on change", async () => {
    await setFakeGateway("ok");
    const ok = await runMonitor();
    expect(ok).toMatchObject({ status: "ok", effective_status: "ok", source: "monitor", unknown: false });
    const again = await runMonitor();
    expect(again.updated_at).toBe(ok.updated_at);
    expect(again.checked_at).toBe(ok.checked_at);

    await setFakeGateway("degraded");
    expect(await runMonitor()).toMatchObject({ status: "partial", reason: "health check says degraded" });
    await setFakeGateway("error");
    const down = await runMonitor();
    expect(down).toMatchObject({ status: "unavailable", reason: "health check answered HTTP 503" });
    await setFakeGateway("garbage");
    const back = await runMonitor();
    expect(back.status).toBe("ok");
    expect(Date.parse(back.updated_at)).toBeGreaterThanOrEqual(Date.parse(down.updated_at));
  });

  it("counts a gateway that does not answer in time as unavailable", async () => {
    await setFakeGateway("hang");
    expect((await runMonitor()).status).toBe("unavailable");
  });

  it("counts a healthy gateway that sent no event for too long as partial", async () => {
    const t = await tenant(["balance.read"]);
    await post(deposit(t.account.id, 1));
    await query(sql`UPDATE webhook_events SET received_at = now() - interval '2 hours' WHERE upstream = 'sms_gateway'`);
    const state = await runMonitor({ SMS_GATEWAY_STALE_EVENTS_SECONDS: "60" });
    expect(state.status).toBe("partial");
    expect(state.reason).toMatch(/no event for \d+ s/);
  });

  it("treats a monitor state that was not confirmed in time as unknown, which answers as partial", async () => {
    const t = await tenant(["payments.read"]);
    await post(deposit(t.account.id, 9));
    const adjusted = await callRoute(
      routes.entries.createAdjustment,
      { params: { account_id: t.account.id }, json: { amount: 1, description: "portal" } },
      { authorization: `Bearer ${env.ADMIN_TOKEN}` },
    );
    expect(adjusted.status).toBe(201);
    const old = new Date(Date.now() - 3_600_000).toISOString();
    await writeGatewayState(env.EDGE_KV, {
      status: "ok",
      updated_at: old,
      checked_at: old,
      source: "monitor",
      reason: "x",
    });
    const status = await adminCall(routes.gateway.getGatewayStatus, {});
    expect(expectStatus(status, 200)).toMatchObject({ status: "ok", effective_status: "partial", unknown: true });
    const res = await userPayments(t.key);
    expect(res.headers.get("x-sms-gateway-status")).toBe("partial");
    const listed = expectStatus(res, 200);
    if (!Array.isArray(listed)) throw new Error(`not a payment list: ${res.text}`);
    expect(listed.map((p) => p.source)).toEqual(["portal"]);
  });

  it("takes the gateway's own signed status report, and spec 000 answers from it", async () => {
    const t = await tenant(["payments.read"]);
    await post(deposit(t.account.id, 3));
    const report = await post({ type: "gateway.status", data: { status: "unavailable", reason: "maintenance" } });
    expect(expectStatus(report, 200).status).toBe("processed");
    const state = await adminCall(routes.gateway.getGatewayStatus, {});
    expect(expectStatus(state, 200)).toMatchObject({
      status: "unavailable",
      reason: "reported by the gateway: maintenance",
    });
    const res = await userPayments(t.key);
    expect(res.headers.get("x-sms-gateway-status")).toBe("unavailable");
    expect(expectStatus(res, 200)).toEqual([]);
  });

  it("stays idle without a health URL", async () => {
    // The monitor alone: the scheduled job also re-syncs the newest manual state, which any suite may set.
    expect(await runGatewayMonitor({ ...env, SMS_GATEWAY_HEALTH_URL: "" })).toBeNull();
    expect(await env.EDGE_KV.get("gateway:sms")).toBeNull();
  });
});
