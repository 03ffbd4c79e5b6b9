// Crypto processor events (POST /webhooks/crypto) and outbound merchant webhooks through the queue.
// Processor events are signed with the reference `standardwebhooks` library. The fake merchant used for
// deliveries verifies the Standard Webhooks signature for real with the workspace's secret.
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import worker from "../functions/index";
import { deliverWebhooks } from "../src/outbound/deliveries";
import {
  createPaymentOk,
  merchant,
  moveTo,
  newEventId,
  paymentStatus,
  processorEvent,
  signed,
  statusEvent,
} from "./crypto-helpers";
import { admin, call, ledgerInvariant, query, sql } from "./helpers";

const QUEUE = "payments-edge-webhooks";
/**
 * Where the test merchants "live": nothing listens there, so the real network (the worker's own queue
 * consumer) is refused at once, while the fake merchant handed to the consumer answers.
 */
const MERCHANT = "https://127.0.0.1:9";

const eventStored = async (eventId: string) =>
  (await query(sql`SELECT 1 FROM webhook_events WHERE upstream = 'crypto' AND event_id = ${eventId}`)).length === 1;

const creditsOf = (transactionId: string) =>
  query<{ amount: string; source: string; type: string; account_id: string }>(sql`
    SELECT amount::text AS amount, source, type, account_id::text AS account_id
    FROM ledger_entries WHERE external_ref = ${transactionId}`);

async function statusOf(token: string, transactionId: string) {
  const res = await paymentStatus(token, { transaction_id: transactionId });
  return res.json as { status: string; status_history: { status: string }[]; confirmations: number };
}

const historyOf = async (token: string, id: string) => (await statusOf(token, id)).status_history.map((h) => h.status);

describe("POST /webhooks/crypto: the status machine", () => {
  it("moves forward step by step and credits the merchant once on completed", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { amount_usd: "100.00" });
    const first = await moveTo(p.transaction_id, "confirming", { confirmations: 1, transaction_hash: "0xfeed" });
    expect(first.json).toEqual({ status: "processed", transaction_id: p.transaction_id, payment_status: "confirming" });
    for (const s of ["confirmed", "sending", "completed"]) await moveTo(p.transaction_id, s);
    expect(await historyOf(m.token, p.transaction_id)).toEqual([
      "waiting",
      "confirming",
      "confirmed",
      "sending",
      "completed",
    ]);
    expect(await creditsOf(p.transaction_id)).toEqual([
      { amount: "100.0000", source: "crypto", type: "deposit", account_id: m.account.id },
    ]);
    expect(await ledgerInvariant(m.account.id)).toEqual({
      balance: "100.0000",
      sum: "100.0000",
      count: 1,
      lastBalanceAfter: "100.0000",
    });
  });

  it("allows skipping forward (waiting → completed)", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { amount_usd: "42.50" });
    await moveTo(p.transaction_id, "completed");
    expect(await historyOf(m.token, p.transaction_id)).toEqual(["waiting", "completed"]);
    expect((await creditsOf(p.transaction_id)).map((c) => c.amount)).toEqual(["42.5000"]);
  });

  it("refuses backward moves with 409, changing nothing and storing nothing", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token);
    await moveTo(p.transaction_id, "confirmed");
    const id = newEventId();
    const res = await processorEvent(statusEvent(p.transaction_id, "confirming"), { id });
    expect(res.status).toBe(409);
    expect(res.json).toEqual({
      error: { code: "conflict", message: "Illegal status transition confirmed -> confirming" },
    });
    expect(await historyOf(m.token, p.transaction_id)).toEqual(["waiting", "confirmed"]);
    expect(await eventStored(id)).toBe(false);
    // The same refused event again is refused again (it was not recorded as seen).
    expect((await processorEvent(statusEvent(p.transaction_id, "confirming"), { id })).status).toBe(409);
  });

  it("never leaves a terminal state and never credits a payment that did not complete", async () => {
    const m = await merchant();
    const completed = await createPaymentOk(m.token);
    await moveTo(completed.transaction_id, "completed");
    const expired = await createPaymentOk(m.token);
    await moveTo(expired.transaction_id, "expired");
    const failed = await createPaymentOk(m.token);
    await moveTo(failed.transaction_id, "confirming");
    await moveTo(failed.transaction_id, "failed");
    for (const [p, to] of [
      [completed, "failed"],
      [completed, "waiting"],
      [expired, "confirming"],
      [expired, "completed"],
      [failed, "completed"],
      [failed, "expired"],
    ] as const) {
      const res = await processorEvent(statusEvent(p.transaction_id, to));
      expect(res.status, `${p.transaction_id} -> ${to}`).toBe(409);
    }
    expect((await statusOf(m.token, completed.transaction_id)).status).toBe("completed");
    expect((await statusOf(m.token, expired.transaction_id)).status).toBe("expired");
    expect((await statusOf(m.token, failed.transaction_id)).status).toBe("failed");
    expect(await creditsOf(expired.transaction_id)).toEqual([]);
    expect(await creditsOf(failed.transaction_id)).toEqual([]);
    expect((await creditsOf(completed.transaction_id)).length).toBe(1);
  });

  it("expires only from waiting or confirming; fails from any non-terminal state", async () => {
    const m = await merchant();
    const a = await createPaymentOk(m.token);
    await moveTo(a.transaction_id, "confirming");
    await moveTo(a.transaction_id, "expired");
    const b = await createPaymentOk(m.token);
    await moveTo(b.transaction_id, "confirmed");
    expect((await processorEvent(statusEvent(b.transaction_id, "expired"))).status).toBe(409);
    await moveTo(b.transaction_id, "sending");
    await moveTo(b.transaction_id, "failed");
    expect(await historyOf(m.token, b.transaction_id)).toEqual(["waiting", "confirmed", "sending", "failed"]);
  });

  it("records more confirmations for the same status without a new history entry", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token);
    await moveTo(p.transaction_id, "confirming", { confirmations: 1 });
    const again = await processorEvent(statusEvent(p.transaction_id, "confirming", { confirmations: 6 }));
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ status: "unchanged", transaction_id: p.transaction_id, payment_status: "confirming" });
    const now = await statusOf(m.token, p.transaction_id);
    expect(now.confirmations).toBe(6);
    expect(now.status_history.map((h) => h.status)).toEqual(["waiting", "confirming"]);
  });
});

describe("POST /webhooks/crypto: duplicates", () => {
  it("answers a redelivered event 200 duplicate and changes nothing", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { amount_usd: "10.00" });
    const body = statusEvent(p.transaction_id, "completed");
    const headers = signed(body);
    const first = await call("POST", "/webhooks/crypto", { headers, body });
    const second = await call("POST", "/webhooks/crypto", { headers, body });
    expect(first.json.status).toBe("processed");
    expect(second.status).toBe(200);
    expect(second.json).toEqual({ status: "duplicate" });
    expect((await creditsOf(p.transaction_id)).length).toBe(1);
    expect(await ledgerInvariant(m.account.id)).toMatchObject({ balance: "10.0000", sum: "10.0000", count: 1 });
  });

  it("credits once when the same event arrives many times at once", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { amount_usd: "25.00" });
    const body = statusEvent(p.transaction_id, "completed");
    const headers = signed(body);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => call("POST", "/webhooks/crypto", { headers, body })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const outcomes = results.map((r) => r.json.status).sort();
    expect(outcomes).toEqual([
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
      "processed",
    ]);
    expect((await creditsOf(p.transaction_id)).length).toBe(1);
    expect(await ledgerInvariant(m.account.id)).toMatchObject({ balance: "25.0000", sum: "25.0000", count: 1 });
  });

  it("credits once when different events all report completed at once", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token, { amount_usd: "7.77" });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => processorEvent(statusEvent(p.transaction_id, "completed"))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(results.filter((r) => r.json.status === "processed").length).toBe(1);
    expect(results.filter((r) => r.json.status === "unchanged").length).toBe(5);
    expect((await creditsOf(p.transaction_id)).length).toBe(1);
    expect(await ledgerInvariant(m.account.id)).toMatchObject({ balance: "7.7700", sum: "7.7700", count: 1 });
  });
});

describe("POST /webhooks/crypto: refused events store nothing", () => {
  it("refuses a wrong signature, a stale timestamp and missing headers", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token);
    const body = statusEvent(p.transaction_id, "completed");
    const cases = [
      { opts: { secret: "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==" }, status: 401 },
      { opts: { timestamp: new Date(Date.now() - 10 * 60_000) }, status: 401 },
      { opts: { timestamp: new Date(Date.now() + 10 * 60_000) }, status: 401 },
    ];
    for (const { opts, status } of cases) {
      const id = newEventId();
      const res = await processorEvent(body, { ...opts, id });
      expect(res.status, JSON.stringify(opts)).toBe(status);
      expect(res.json.error.code).toBe("not_authenticated");
      expect(await eventStored(id)).toBe(false);
    }
    const unsigned = await call("POST", "/webhooks/crypto", { body });
    expect(unsigned.status).toBe(400);
    const tampered = signed(body);
    const res = await call("POST", "/webhooks/crypto", {
      headers: tampered,
      body: body.replace("completed", "confirmed"),
    });
    expect(res.status).toBe(401);
    expect((await statusOf(m.token, p.transaction_id)).status).toBe("waiting");
    expect(await creditsOf(p.transaction_id)).toEqual([]);
  });

  it("refuses validly signed events that are malformed or about an unknown payment", async () => {
    const m = await merchant();
    const p = await createPaymentOk(m.token);
    const bodies: [string, number][] = [
      ["{not json", 400],
      [
        JSON.stringify({ type: "payment.refunded", data: { transaction_id: p.transaction_id, status: "completed" } }),
        400,
      ],
      [statusEvent(p.transaction_id, "done"), 400],
      [statusEvent("not-a-uuid", "completed"), 400],
      [statusEvent(p.transaction_id, "confirming", { confirmations: -1 }), 400],
      [statusEvent(crypto.randomUUID(), "completed"), 404],
    ];
    for (const [body, status] of bodies) {
      const id = newEventId();
      const res = await processorEvent(body, { id });
      expect(res.status, body).toBe(status);
      expect(await eventStored(id)).toBe(false);
    }
    expect((await statusOf(m.token, p.transaction_id)).status).toBe("waiting");
  });
});

// ---------------------------------------------------------------------------------------------------
// Outbound webhooks

type Delivery = {
  id: string;
  url: string;
  event_type: string;
  status: string;
  attempts: number;
  last_error: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
};

async function deliveries(workspaceId: string): Promise<Delivery[]> {
  const res = await admin("GET", `/workspaces/${workspaceId}/webhook-deliveries`);
  if (res.status !== 200) throw new Error(`deliveries: ${res.status} ${res.text}`);
  return res.json.deliveries;
}

/**
 * Waits until the real queue consumer (Miniflare runs the worker's `queue` handler for messages the
 * worker sent) has made its first attempt on the workspace's newest delivery.
 */
async function firstAttempt(workspaceId: string): Promise<Delivery> {
  for (let i = 0; i < 100; i++) {
    const [newest] = await deliveries(workspaceId);
    if (newest && newest.attempts >= 1) return newest;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the queue consumer made no attempt within 10 s");
}

const message = (deliveryId: unknown, attempts: number, id = `m-${crypto.randomUUID()}`) => ({
  id,
  timestamp: new Date(),
  attempts,
  body: { deliveryId },
});

/**
 * Runs the consumer on one batch, the way the queue handler does, with `fetchImpl` as the network (the
 * worker's exported queue handler itself when omitted). Returns the acks, and the retries with their
 * delays (read from the messages' retry() calls: getQueueResult does not report delays).
 */
async function consume(messages: ReturnType<typeof message>[], fetchImpl?: typeof fetch) {
  const batch = createMessageBatch(QUEUE, messages);
  const retries: { msgId: string; delaySeconds?: number }[] = [];
  for (const msg of batch.messages) {
    const retry = msg.retry.bind(msg);
    vi.spyOn(msg, "retry").mockImplementation((options?: QueueRetryOptions) => {
      retries.push({ msgId: msg.id, delaySeconds: options?.delaySeconds });
      retry(options);
    });
  }
  const ctx = createExecutionContext();
  if (fetchImpl) await deliverWebhooks(batch, env, { fetch: fetchImpl });
  else await worker.queue(batch, env);
  const result = await getQueueResult(batch, ctx);
  expect(result.retryMessages.map((r) => r.msgId)).toEqual(retries.map((r) => r.msgId));
  return { retryMessages: retries, explicitAcks: result.explicitAcks };
}

/** A merchant's webhook endpoint: verifies every request with the workspace secret, answers from a script. */
function fakeMerchant(secret: string, answers: number[]) {
  const received: { url: string; headers: Record<string, string>; event: any }[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const body = await req.text();
    const headers = Object.fromEntries(req.headers);
    const event = new Webhook(secret).verify(body, headers); // throws on a bad signature
    received.push({ url: req.url, headers, event });
    const status = answers[received.length - 1] ?? 200;
    return new Response(status === 200 ? "ok" : "try later", { status });
  }) as typeof fetch;
  return { received, fetchImpl };
}

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
    const payloads = await query<{ payload: any }>(
      sql`SELECT payload FROM webhook_deliveries WHERE workspace_id = ${m.workspace.id} ORDER BY created_at`,
    );
    expect(payloads.map((r) => r.payload.data.status)).toEqual(["confirming", "completed"]);
    expect(payloads[1]?.payload).toMatchObject({
      type: "payment.status_changed",
      data: { transaction_id: p.transaction_id, callback_url: url, amount_usd: "100.00" },
    });
    expect(payloads[1]?.payload.data.status_history.map((h: { status: string }) => h.status)).toEqual([
      "waiting",
      "confirming",
      "completed",
    ]);
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

    const secretRes = await admin("GET", `/workspaces/${m.workspace.id}/webhook-secret`);
    const merchantSite = fakeMerchant(secretRes.json.secret, [500, 200]);

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
    const event = merchantSite.received[1]?.event;
    expect(Object.keys(event)).toEqual(["type", "timestamp", "data"]);
    expect(event.type).toBe("payment.status_changed");
    expect(event.data).toMatchObject({
      transaction_id: p.transaction_id,
      status: "confirming",
      order_id: "ORDER-1",
      callback_url: url,
    });
    expect(Object.keys(event.data).slice(0, 3)).toEqual(["transaction_id", "blockchain", "currency"]);

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
    const secret = (await admin("GET", `/workspaces/${m.workspace.id}/webhook-secret`)).json.secret;
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
    const p = await createPaymentOk(m.token, { callback_url: "http://127.0.0.1:9/hook" });
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
    const a = await admin("GET", `/workspaces/${m.workspace.id}/webhook-secret`);
    const b = await admin("GET", `/workspaces/${m.workspace.id}/webhook-secret`);
    expect(a.status).toBe(200);
    expect(a.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(a.json.secret.slice(6)).length).toBe(32);
    expect(b.json).toEqual(a.json);
  });

  it("answers 404 for an unknown workspace and 401 without the admin token", async () => {
    const unknown = crypto.randomUUID();
    for (const path of [`/workspaces/${unknown}/webhook-secret`, `/workspaces/${unknown}/webhook-deliveries`]) {
      const res = await admin("GET", path);
      expect(res.status, path).toBe(404);
      expect(res.json.error.code).toBe("not_found");
      expect((await call("GET", `/admin/v1${path}`)).status).toBe(401);
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
