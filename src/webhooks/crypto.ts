// POST /webhooks/crypto: payment status events from the crypto processor, signed per Standard Webhooks
// with CRYPTO_WEBHOOK_SECRET. One transaction per event: the dedupe row (webhook_events, upstream
// 'crypto'), the status change under a row lock, its history row, the single ledger credit on
// `completed` and the outbound webhook row commit together or not at all; the outbound message is queued
// after commit. Errors: the spec 004 envelope {"error":{"code","message"}}.
import { createRoute, z } from "@hono/zod-openapi";
import { CRYPTO_STATUSES } from "../db/schema";
import { jsonContent } from "../http/openapi";
import { describeIssues } from "../http/params";
import { createSurface } from "../http/surface";
import { AppError } from "../lib/errors";
import { enqueueDeliveries, newDeliveryId } from "../outbound/deliveries";
import { renderCryptoError } from "../payments/crypto";
import { cryptoEventEffect, type Duplicate, isDuplicate } from "./queries";
import { receiverLimits, receiveWebhooks, statusRefusal } from "./receiver";
import { signatureSecurity } from "./signature-scheme";

export const CRYPTO_EVENT_TYPE = "payment.status";
export const OUTBOUND_EVENT_TYPE = "payment.status_changed";

export const CryptoProcessorEvent = z
  .object({
    type: z.literal(CRYPTO_EVENT_TYPE),
    data: z.object({
      transaction_id: z.guid().transform((id) => id.toLowerCase()),
      status: z.enum(CRYPTO_STATUSES),
      transaction_hash: z.string().min(1).max(200).optional(),
      confirmations: z.number().int().min(0).max(1_000_000).optional(),
    }),
  })
  .openapi("CryptoProcessorEvent");

const WebhookAccepted = z
  .object({
    status: z.enum(["processed", "duplicate", "unchanged"]),
    transaction_id: z.string().optional(),
    payment_status: z.enum(CRYPTO_STATUSES).optional(),
  })
  .openapi("CryptoWebhookAccepted");

const WebhookError = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi("CryptoWebhookError");

export const cryptoWebhook = createSurface(renderCryptoError);

const header = (name: string, description: string) =>
  z.string().openapi({ param: { name, in: "header", required: true }, description });

// Documentation only: the handler reads the raw body for the signature before anything parses it.
export const receiveCryptoEvent = createRoute({
  method: "post",
  path: "/",
  operationId: "receiveCryptoEvent",
  summary: "Receive a crypto processor event",
  tags: ["Webhooks"],
  security: signatureSecurity(cryptoWebhook, "cryptoSignature", "CRYPTO_WEBHOOK_SECRET"),
  description:
    "Status events from the crypto processor, signed per Standard Webhooks with the shared `whsec_` secret " +
    "(timestamp within 5 minutes). Legal moves: forward along waiting → confirming → confirmed → sending → " +
    "completed (steps may be skipped), waiting|confirming → expired, any non-terminal → failed. The same status " +
    "again only updates transaction_hash/confirmations. Reaching `completed` credits amount_usd to the payment's " +
    "account once (ledger source `crypto`, type `deposit`). A redelivered `webhook-id` answers 200 " +
    '`{"status":"duplicate"}` and changes nothing; refused events (4xx) store nothing.',
  request: {
    headers: z.object({
      "webhook-id": header("webhook-id", "Unique message id; the deduplication key"),
      "webhook-timestamp": header("webhook-timestamp", "Unix seconds"),
      "webhook-signature": header("webhook-signature", "Space-separated `v1,<base64 HMAC-SHA256>`"),
    }),
    body: { content: { "application/json": { schema: CryptoProcessorEvent } }, required: true },
  },
  responses: {
    200: jsonContent(WebhookAccepted, "Applied, unchanged, or a duplicate"),
    400: jsonContent(WebhookError, "Missing/malformed headers, body not JSON, or not a valid event"),
    401: jsonContent(WebhookError, "Signature matches no secret, or timestamp outside the 5-minute tolerance"),
    404: jsonContent(WebhookError, "No such payment"),
    409: jsonContent(WebhookError, "Illegal status transition; nothing changed"),
    ...receiverLimits(WebhookError),
  },
});
cryptoWebhook.openAPIRegistry.registerPath(receiveCryptoEvent);

receiveWebhooks(cryptoWebhook, {
  upstream: "crypto",
  secret: (env) => env.CRYPTO_WEBHOOK_SECRET,
  event: CryptoProcessorEvent,
  invalid: (error) =>
    new AppError("bad_request", `Invalid event: ${Object.keys(describeIssues(error).details).join(", ")}`),
  effect: (event, delivery) =>
    cryptoEventEffect(
      { upstream: "crypto", eventId: delivery.id, eventType: CRYPTO_EVENT_TYPE, payload: JSON.stringify(event) },
      {
        paymentId: event.data.transaction_id,
        to: event.data.status,
        hash: event.data.transaction_hash ?? null,
        confirmations: event.data.confirmations ?? null,
        deliveryId: newDeliveryId(),
        outboundEventType: OUTBOUND_EVENT_TYPE,
      },
    ),
  refused: (refusal, event, delivery) => {
    const { transaction_id: paymentId, status: to } = event.data;
    return statusRefusal(refusal, {
      log: { msg: "illegal crypto status transition refused", event_id: delivery.id, transaction_id: paymentId },
      to,
      notFound: () => new AppError("not_found", `No payment ${paymentId}`),
      illegal: (from) => new AppError("conflict", `Illegal status transition ${from} -> ${to}`),
    });
  },
  answer: async (c, applied: Applied, event) => {
    const { transaction_id, status: payment_status } = event.data;
    if ("notify" in applied && applied.notify) await enqueueDeliveries(c.env.WEBHOOK_QUEUE, [applied.delivery_id]);
    const status = isDuplicate(applied) ? "duplicate" : "unchanged" in applied ? "unchanged" : "processed";
    return c.json(status === "duplicate" ? { status } : { status, transaction_id, payment_status }, 200);
  },
});

/** What the event did: a duplicate, the same status again, or a move (notify: a delivery row was made). */
type Applied = Duplicate | { unchanged: true } | { notify: boolean; delivery_id: string };
