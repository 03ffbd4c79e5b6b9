// POST /webhooks/crypto: payment status events from the crypto processor, signed per Standard Webhooks
// with CRYPTO_WEBHOOK_SECRET. One transaction per event: the dedupe row (webhook_events, upstream
// 'crypto'), the status change under a row lock, its history row, the single ledger credit on
// `completed` and the outbound webhook row commit together or not at all; the outbound message is queued
// after commit. Errors: the spec 004 envelope {"error":{"code","message"}}.
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { jsonContent } from "../apis/shared/openapi";
import { describeIssues } from "../apis/shared/params";
import { createSurface } from "../apis/shared/surface";
import { database } from "../db/request-db";
import { CRYPTO_STATUSES } from "../db/schema";
import { runWrite } from "../ledger/idempotency";
import { postingCall, type Refusal, refusalError } from "../ledger/posting";
import { AppError } from "../lib/errors";
import { legalSourcesOf, paymentDetailJson, renderCryptoError } from "../payments/crypto";
import { claimWebhookEvent, DUPLICATE, type Duplicate, isDuplicate } from "./event-claim";
import { enqueueDeliveries, newDeliveryId } from "./outbound";
import { verifyWebhook } from "./standard-webhooks";

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
cryptoWebhook.openAPIRegistry.registerPath(
  createRoute({
    method: "post",
    path: "/",
    tags: ["Webhooks"],
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
    },
  }),
);

cryptoWebhook.post("/", async (c) => {
  const raw = await c.req.text();
  const verified = verifyWebhook(c.env.CRYPTO_WEBHOOK_SECRET, c.req.raw.headers, raw);
  const parsed = CryptoProcessorEvent.safeParse(verified.payload);
  if (!parsed.success) {
    const fields = Object.keys(describeIssues(parsed.error).details).join(", ");
    throw new AppError("bad_request", `Invalid event: ${fields}`);
  }
  const event = parsed.data;
  const { transaction_id: paymentId, status: next } = event.data;

  const hash = event.data.transaction_hash ?? null;
  const confirmations = event.data.confirmations ?? null;
  const legalFrom = legalSourcesOf(next);
  const deliveryId = newDeliveryId();
  const credit = postingCall({
    accountId: sql`moved.account_id`,
    workspaceId: sql`moved.workspace_id`,
    amount: sql`moved.amount_usd`,
    source: "crypto",
    type: "deposit",
    description: sql`'Crypto payment ' || moved.order_id`,
    externalRef: sql`moved.id::text`,
    metadata: sql`jsonb_build_object('webhook_id', ${verified.id}::text, 'transaction_hash', ${hash}::text)`,
    enforceOverdraft: false,
  });
  // One batch: the claim, the payment's row lock, the move (or, for the same status, the details only),
  // its history row and, on `completed`, the single credit (exactly once: `completed` is terminal and
  // the row is locked); then the merchant's delivery row, built from the committed-to-be state.
  const outcome = await runWrite<Applied, Applied>(
    database(c),
    null,
    {
      ctes: sql`${claimWebhookEvent({
        upstream: "crypto",
        eventId: verified.id,
        eventType: CRYPTO_EVENT_TYPE,
        payload: JSON.stringify(event),
      })},
      p AS MATERIALIZED (
        SELECT id, status, callback_url FROM crypto_payments
        WHERE id = ${paymentId} AND EXISTS (SELECT 1 FROM claim) FOR UPDATE
      ),
      moved AS (
        UPDATE crypto_payments c SET status = ${next}, transaction_hash = coalesce(${hash}, c.transaction_hash),
          confirmations = coalesce(${confirmations}::int, c.confirmations), updated_at = now()
        FROM p
        WHERE c.id = p.id AND (p.status = ANY (${sql.param(legalFrom)}::text[]) OR (p.status = ${next} AND (c.transaction_hash IS DISTINCT FROM coalesce(${hash}, c.transaction_hash)
          OR c.confirmations IS DISTINCT FROM coalesce(${confirmations}::int, c.confirmations))))
        RETURNING c.id, p.status AS was, c.account_id, c.workspace_id, c.amount_usd, c.order_id
      ),
      hist AS (
        INSERT INTO crypto_payment_history (payment_id, status, event_id)
        SELECT id, ${next}, ${verified.id} FROM moved WHERE was <> ${next}
      ),
      credited AS MATERIALIZED (SELECT ${credit} AS r FROM moved WHERE was <> ${next} AND ${next} = 'completed')`,
      result: sql`CASE
        WHEN NOT EXISTS (SELECT 1 FROM claim) THEN ${DUPLICATE}
        WHEN NOT EXISTS (SELECT 1 FROM p) THEN '{"failure":"payment_not_found"}'::jsonb
        WHEN (SELECT status FROM p) = ${next} THEN '{"unchanged":true}'::jsonb
        WHEN NOT EXISTS (SELECT 1 FROM moved) THEN jsonb_build_object('failure', 'illegal_transition', 'from', (SELECT status FROM p))
        WHEN (SELECT r ? 'failure' FROM credited) THEN (SELECT r FROM credited)
        ELSE jsonb_build_object('notify', (SELECT callback_url IS NOT NULL FROM p)) END`,
      rollbackOnRefusal: true,
      // Only when this transaction wrote the event's history row (xmin), never for a duplicate.
      followUp: sql`
        INSERT INTO webhook_deliveries (id, workspace_id, url, event_type, payload)
        SELECT ${deliveryId}, p.workspace_id, p.callback_url, ${OUTBOUND_EVENT_TYPE},
          json_build_object('type', ${OUTBOUND_EVENT_TYPE}::text,
            'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'data', ${paymentDetailJson})::jsonb
        FROM crypto_payments p
        WHERE p.id = ${paymentId} AND p.callback_url IS NOT NULL AND EXISTS (
          SELECT 1 FROM crypto_payment_history h
          WHERE h.payment_id = p.id AND h.event_id = ${verified.id} AND h.xmin = pg_current_xact_id()::xid)`,
    },
    {
      status: 200,
      render: (applied) => applied,
      refused: (refusal) => {
        if (refusal.failure === "payment_not_found") return new AppError("not_found", `No payment ${paymentId}`);
        if (refusal.failure !== "illegal_transition") return refusalError(refusal);
        const from = (refusal as Refusal & { from?: string }).from;
        console.warn(
          JSON.stringify({
            msg: "illegal crypto status transition refused",
            event_id: verified.id,
            transaction_id: paymentId,
            from,
            to: next,
          }),
        );
        return new AppError("conflict", `Illegal status transition ${from} -> ${next}`);
      },
    },
  );

  const applied = outcome.body;
  if ("notify" in applied && applied.notify) await enqueueDeliveries(c.env.WEBHOOK_QUEUE, [deliveryId]);
  const status = isDuplicate(applied) ? "duplicate" : "unchanged" in applied ? "unchanged" : "processed";
  return c.json(status === "duplicate" ? { status } : { status, transaction_id: paymentId, payment_status: next }, 200);
});

/** What the event did: a duplicate, the same status again, or a move (notify: a delivery row was made). */
type Applied = Duplicate | { unchanged: true } | { notify: boolean };
