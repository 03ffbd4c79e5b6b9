// Outbound merchant webhooks through the queue: the delivery row made with the status change, signed
// deliveries and retries, the admin's view of them, and stranded deliveries sent again.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import worker from "../functions/index";
import { createPaymentOk, merchant, moveTo, processorEvent, statusEvent } from "./crypto-helpers";
import { consume, deliveries, fakeMerchant, firstAttempt, MERCHANT, message } from "./fixtures/crypto-webhooks";
import { adminCall, callRoute, expectStatus, query, routes, sql } from "./helpers";

/** A JSON object, its keys in the order they came. */
const JSON_OBJECT = z.record(z.string(), z.unknown());
/** A merchant webhook as delivered (its payload, and what the merchant verified). */
const Delivered = z.looseObject({ type: z.string(), data: z.looseObject({ status: z.string() }) });

/** The workspace's webhook signing secret (GET .../webhook-secret), which must answer 200. */
const webhookSecret = async (workspaceId: string) =>
  expectStatus(await adminCall(routes.deliveries.getWebhookSecret, { params: { workspace_id: workspaceId } }), 200);

describe("outbound merchant webhooks", () => {
  it("records a delivery in the status change's transaction only when the payment has a callback_url", async () => {
    const m = await merchant();
    const silent = await createPaymentOk(m.token);
    await moveTo(silent.transaction_id, "confirming");
    expect(await deliveries(m.workspace.id)).toEqual([]);

    const url = `${MERCHANT}/hooks/${crypto.randomUUID()}`;
    const p = await createPaymentOk(m.token, { callback_url: url });
    await moveTo(p.transaction_id, "confirming");
    await moveTo(p.transaction_id, "completed");
    // A refused move records no event for the merchant.
    expect((await processorEvent(statusEvent(p.transaction_id, "failed"))).status).toBe(409);
    const list = await deliveries(m.workspace.id);
    expect(list.length).toBe(2);
    for (const d of list) {
      expect(d).toMatchObject({ url, event_type: "payment.status_changed" });
      expect(d.id).toMatch(/^msg_[0-9A-Za-z]{27}$/);
    }
    const payloads = (
      await query<{ payload: unknown }>(
        sql`SELECT payload FROM webhook_deliveries WHERE workspace_id = ${m.workspace.id} ORDER BY created_at`,
      )
    ).map((r) => ({ payload: Delivered.parse(r.payload) }));
    expect(payloads.map((r) => r.payload.data.status)).toEqual(["confirming", "completed"]);
    expect(payloads[1]?.payload).toMatchObject({
      type: "payment.status_changed",
      data: { transaction_id: p.transaction_id, callback_url: url, amount_usd: "100.00" },
    });
    const history = z.array(z.object({ status: z.string() })).parse(payloads[1]?.payload.data.status_history);
    expect(history.map((h) => h.status)).toEqual(["waiting", "confirming", "completed"]);
  });

  it("delivers through the queue with retries: a receiver that fails, then succeeds, verifying each signature", async () => {
    const m = await merchant();
    const url = `${MERCHANT}/hooks/${crypto.randomUUID()}`;
    const p = await createPaymentOk(m.token, { callback_url: url });
    await moveTo(p.transaction_id, "confirming");

    // Attempt 1: the worker's own queue consumer (Miniflare's queue), through the real network, which
    // refuses the connection: recorded as a network error and retried later.
    const first = await firstAttempt(m.workspace.id);
    expect(first).toMatchObject({ status: "pending", attempts: 1, delivered_at: null });
    expect(first.last_error).toMatch(/^network error/);

    const merchantSite = fakeMerchant((await webhookSecret(m.workspace.id)).secret, [500, 200]);

    // Attempt 2: the merchant answers 500 → retried with backoff (30 s × 4^(attempts-1)).
    const second = await consume([message(first.id, 2, "q-1")], merchantSite.fetchImpl);
    expect(second.retryMessages).toEqual([{ msgId: "q-1", delaySeconds: 120 }]);
    expect(second.explicitAcks).toEqual([]);
    const afterSecond = (await deliveries(m.workspace.id))[0];
    expect(afterSecond).toMatchObject({ status: "pending", attempts: 2, last_error: "HTTP 500", delivered_at: null });

    // Attempt 3: 200 → delivered and acknowledged.
    const third = await consume([message(first.id, 3, "q-1")], merchantSite.fetchImpl);
    expect(third.retryMessages).toEqual([]);
    expect(third.explicitAcks).toEqual(["q-1"]);
    const done = (await deliveries(m.workspace.id))[0];
    expect(done).toMatchObject({ id: first.id, status: "delivered", attempts: 3, last_error: "HTTP 500" });
    expect(done?.delivered_at).toEqual(expect.any(String));

    // What the merchant saw: the same webhook-id both times (its dedupe key), a verified signature,
    // the full payment.
    expect(merchantSite.received.map((r) => r.url)).toEqual([url, url]);
    expect(merchantSite.received.map((r) => r.headers["webhook-id"])).toEqual([first.id, first.id]);
    expect(merchantSite.received[1]?.headers["content-type"]).toBe("application/json");
    const raw = JSON_OBJECT.parse(merchantSite.received[1]?.event);
    expect(Object.keys(raw)).toEqual(["type", "timestamp", "data"]);
    const event = Delivered.parse(raw);
    expect(event.type).toBe("payment.status_changed");
    expect(event.data).toMatchObject({
      transaction_id: p.transaction_id,
      status: "confirming",
      order_id: "ORDER-1",
      callback_url: url,
    });
    expect(Object.keys(JSON_OBJECT.parse(raw.data)).slice(0, 3)).toEqual(["transaction_id", "blockchain", "currency"]);

    // A late duplicate message for a delivered event sends nothing more.
    const late = await consume([message(first.id, 4, "q-2")], merchantSite.fetchImpl);
    expect(late.explicitAcks).toEqual(["q-2"]);
    expect(merchantSite.received.length).toBe(2);
  });

  it("marks a delivery failed after the 8th failed attempt and stops retrying", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { callback_url: `${MERCHANT}/${crypto.randomUUID()}` });
    await moveTo(p.transaction_id, "completed");
    const first = await firstAttempt(m.workspace.id);
    const { secret } = await webhookSecret(m.workspace.id);
    const down = fakeMerchant(secret, [503, 302]);

    const seventh = await consume([message(first.id, 7, "q-7")], down.fetchImpl);
    expect(seventh.retryMessages).toEqual([{ msgId: "q-7", delaySeconds: 12 * 3600 }]);
    const eighth = await consume([message(first.id, 8, "q-8")], down.fetchImpl);
    expect(eighth.retryMessages).toEqual([]);
    expect(eighth.explicitAcks).toEqual(["q-8"]);
    const [d] = await deliveries(m.workspace.id);
    expect(d).toMatchObject({ status: "failed", attempts: 3, last_error: "HTTP 302", delivered_at: null });
  });

  it("runs from the worker's queue handler: network errors are retried, junk messages dropped", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { callback_url: "http://localhost:9/hook" });
    await moveTo(p.transaction_id, "confirming");
    const first = await firstAttempt(m.workspace.id);
    expect(first.last_error).toMatch(/^network error/);

    const result = await consume([
      message(first.id, 1, "real"),
      message("msg_does_not_exist", 1, "unknown"),
      { id: "junk", timestamp: new Date(), attempts: 1, body: "not an object" } as never,
    ]);
    expect(result.retryMessages).toEqual([{ msgId: "real", delaySeconds: 30 }]);
    expect(result.explicitAcks.sort()).toEqual(["junk", "unknown"]);
  });
});

describe("admin: webhook secret and deliveries", () => {
  it("makes the workspace's signing secret once and keeps it", async () => {
    const m = await merchant();
    const a = await webhookSecret(m.workspace.id);
    const b = await webhookSecret(m.workspace.id);
    expect(a.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(a.secret.slice(6)).length).toBe(32);
    expect(b).toEqual(a);
  });

  it("answers 404 for an unknown workspace and 401 without the admin token", async () => {
    const unknown = crypto.randomUUID();
    const params = { workspace_id: unknown };
    for (const route of [routes.deliveries.getWebhookSecret, routes.deliveries.listDeliveries]) {
      const res = await adminCall(route, { params });
      expect(res.status, route.path).toBe(404);
      expect(expectStatus(res, 404).error.code).toBe("not_found");
      expect((await callRoute(route, { params })).status).toBe(401);
    }
  });

  it("shows only the workspace's own deliveries", async () => {
    const a = await merchant();
    const b = await merchant();
    const p = await createPaymentOk(a.token, { callback_url: `${MERCHANT}/a` });
    await moveTo(p.transaction_id, "confirming");
    expect((await deliveries(a.workspace.id)).length).toBe(1);
    expect(await deliveries(b.workspace.id)).toEqual([]);
  });
});

describe("stranded deliveries", () => {
  it("re-enqueues a delivery whose queue message was never sent, from the scheduled sweep", async () => {
    const m = await merchant();
    const id = `msg_stranded_${crypto.randomUUID().slice(0, 8)}`;
    await query(sql`
      INSERT INTO webhook_deliveries (id, workspace_id, url, event_type, payload, created_at)
      VALUES (${id}, ${m.workspace.id}, ${`${MERCHANT}/stranded`}, 'payment.status_changed',
              '{"type":"payment.status_changed","data":{}}'::jsonb, now() - interval '10 minutes')`);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const attempted = await firstAttempt(m.workspace.id);
    expect(attempted).toMatchObject({ id, attempts: 1, status: "pending" });
    expect(attempted.last_error).toMatch(/^network error/);
  });
});
