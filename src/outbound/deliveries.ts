// Outbound merchant webhooks (spec 004), at least once. A status change inserts a webhook_deliveries row
// in the SAME transaction as the change (so an event exists exactly when its change committed), then,
// after commit, puts {deliveryId} on WEBHOOK_QUEUE. The queue consumer signs the stored payload with the
// workspace's Standard Webhooks secret (webhook-id = delivery id, constant across retries, so receivers
// can deduplicate), POSTs it with a 10 s timeout, and records every attempt. Non-2xx, redirects and
// network errors are retried with exponential backoff (30 s × 4^(n-1), capped at 12 h: about a day in
// all); the 8th failed attempt marks the delivery `failed`.
//
// If the queue send fails right after commit, the row stays `pending` with no message (the send is
// logged); the scheduled requeueStrandedDeliveries picks such rows up.
import type { Executor } from "../db/client";
import { createDatabase, type DatabaseEnv } from "../db/client";
import type { Bindings } from "../env";
import { randomToken } from "../lib/crypto";
import { signWebhook } from "../webhooks/standard-webhooks";
import { type DeliveryRow, findDelivery, recordAttempt, strandedDeliveries, workspaceWebhookSecret } from "./queries";

export const MAX_ATTEMPTS = 8;
export const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_DELAY_SECONDS = 12 * 3600;

export type DeliveryMessage = { deliveryId: string };

export const newDeliveryId = () => `msg_${randomToken(27)}`;

/** Seconds to wait before attempt n+1 after attempt n failed. */
export const retryDelaySeconds = (attempt: number) => Math.min(30 * 4 ** Math.max(0, attempt - 1), MAX_DELAY_SECONDS);

/** Sends the messages for deliveries whose rows have committed. Never throws: the change already happened. */
export async function enqueueDeliveries(queue: Queue<unknown>, deliveryIds: string[]) {
  if (deliveryIds.length === 0) return;
  try {
    await queue.sendBatch(deliveryIds.map((deliveryId) => ({ body: { deliveryId } satisfies DeliveryMessage })));
  } catch (err) {
    console.error(JSON.stringify({ msg: "webhook enqueue failed", deliveryIds, error: String(err) }));
  }
}

// Stored as jsonb (which reorders keys); sent in the order a reader expects.
const PAYLOAD_ORDER = ["type", "timestamp", "data"];
const DATA_ORDER = [
  "transaction_id",
  "blockchain",
  "currency",
  "status",
  "amount_usd",
  "amount_crypto",
  "address",
  "token",
  "order_id",
  "created_at",
  "updated_at",
  "transaction_hash",
  "callback_url",
  "confirmations",
  "status_history",
];

function ordered(value: unknown, order: string[]): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.fromEntries(entries.sort(([a], [b]) => rank(a) - rank(b)));
}

export function deliveryBody(payload: unknown): string {
  const top = ordered(payload, PAYLOAD_ORDER) as Record<string, unknown>;
  return JSON.stringify(top && "data" in top ? { ...top, data: ordered(top.data, DATA_ORDER) } : top);
}

export type DeliveryDeps = { fetch?: typeof fetch };

/**
 * Queue consumer: delivers each message's webhook once and acks, retries or gives up per message.
 * `deps.fetch` is the HTTP client (the global fetch in production; tests pass a fake merchant).
 */
export async function deliverWebhooks(batch: MessageBatch<unknown>, env: DatabaseEnv, deps: DeliveryDeps = {}) {
  const send = deps.fetch ?? fetch;
  const db = createDatabase(env);
  await Promise.all(batch.messages.map((message) => deliverOne(db, message, send)));
}

async function deliverOne(db: Executor, message: Message<unknown>, send: typeof fetch) {
  const body: unknown = message.body;
  const deliveryId = body && typeof body === "object" && "deliveryId" in body ? body.deliveryId : undefined;
  if (typeof deliveryId !== "string") {
    console.error(JSON.stringify({ msg: "malformed webhook queue message dropped", id: message.id }));
    message.ack();
    return;
  }
  try {
    const delivery = await findDelivery(db, deliveryId);
    if (delivery?.status !== "pending") {
      // Unknown, or already delivered/failed (a duplicate message): nothing to do.
      message.ack();
      return;
    }
    const secret = delivery.webhook_secret ?? (await workspaceWebhookSecret(db, delivery.workspace_id));
    if (!secret) throw new Error(`workspace ${delivery.workspace_id} vanished`);

    const error = await post(send, delivery, secret);
    const outcome = error === null ? "delivered" : message.attempts >= MAX_ATTEMPTS ? "failed" : "pending";
    await recordAttempt(db, delivery.id, outcome, error);
    if (outcome === "pending") message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    else message.ack();
    if (outcome === "failed") {
      console.warn(JSON.stringify({ msg: "webhook delivery failed for good", deliveryId, attempts: message.attempts }));
    }
  } catch (err) {
    // Our side failed (database unreachable...): try again later without counting an attempt.
    console.error(JSON.stringify({ msg: "webhook delivery error", deliveryId, error: String(err) }));
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

/** One signed POST; the error text, or null when the receiver answered 2xx. */
async function post(send: typeof fetch, delivery: DeliveryRow, secret: string): Promise<string | null> {
  const body = deliveryBody(delivery.payload);
  try {
    const res = await send(delivery.url, {
      method: "POST",
      headers: {
        ...signWebhook(secret, delivery.id, new Date(), body),
        "content-type": "application/json",
        "user-agent": "payments-edge-webhooks/1.0",
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => {});
    return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e?.name === "TimeoutError") return `timeout after ${DELIVERY_TIMEOUT_MS / 1000} s`;
    return `network error: ${String(e?.message ?? err).slice(0, 200)}`;
  }
}

/**
 * Scheduled safety net: a delivery row whose queue message was never sent (the send after commit
 * failed) would stay pending forever. Re-enqueue pending rows never attempted after two minutes. A
 * message that was merely slow may then go out twice; receivers deduplicate on webhook-id.
 */
export async function requeueStrandedDeliveries(env: Bindings) {
  const ids = await strandedDeliveries(createDatabase(env));
  await enqueueDeliveries(env.WEBHOOK_QUEUE, ids);
  return ids.length;
}
