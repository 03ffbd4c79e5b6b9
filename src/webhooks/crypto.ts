// POST /webhooks/crypto: payment status events from the crypto processor, signed per Standard Webhooks
// with CRYPTO_WEBHOOK_SECRET. One transaction per event: the dedupe row (webhook_events, upstream
// 'crypto'), the status change under a row lock, its history row, the single ledger credit on
// `completed` and the outbound webhook row commit together or not at all; the outbound message is queued
// after commit. Errors: the spec 004 envelope {"error":{"code","message"}}.
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { renderCryptoError } from "../apis/crypto-payments";
import { paymentDetailJson } from "../apis/crypto-payments/queries";
import { type CryptoStatus, transition } from "../apis/crypto-payments/status";
import { jsonContent } from "../apis/shared/openapi";
import { createSurface } from "../apis/shared/surface";
import { database } from "../db/request-db";
import { CRYPTO_STATUSES } from "../db/schema";
import { postEntry } from "../ledger/posting";
import { AppError } from "../lib/errors";
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

type LockedPayment = {
  id: string;
  workspace_id: string;
  account_id: string;
  status: CryptoStatus;
  amount_usd: string;
  order_id: string;
  callback_url: string | null;
};

cryptoWebhook.post("/", async (c) => {
  const raw = await c.req.text();
  const verified = verifyWebhook(c.env.CRYPTO_WEBHOOK_SECRET, c.req.raw.headers, raw);
  const parsed = CryptoProcessorEvent.safeParse(verified.payload);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "body"))].join(", ");
    throw new AppError("bad_request", `Invalid event: ${fields}`);
  }
  const event = parsed.data;
  const { transaction_id: paymentId, status: next } = event.data;

  const outcome = await database(c).transaction(async (tx) => {
    // Dedupe claim first: a concurrent delivery of the same id waits here until this transaction ends.
    const claim = await tx.execute(sql`
      INSERT INTO webhook_events (upstream, event_id, event_type, payload)
      VALUES ('crypto', ${verified.id}, ${CRYPTO_EVENT_TYPE}, ${JSON.stringify(event)}::jsonb)
      ON CONFLICT (upstream, event_id) DO NOTHING RETURNING event_id`);
    if (claim.rows.length === 0) return { status: "duplicate" as const, deliveryId: null };

    const { rows } = await tx.execute<LockedPayment>(sql`
      SELECT id::text AS id, workspace_id::text AS workspace_id, account_id::text AS account_id, status,
             amount_usd::text AS amount_usd, order_id, callback_url
      FROM crypto_payments WHERE id = ${paymentId} FOR UPDATE`);
    const payment = rows[0];
    if (!payment) throw new AppError("not_found", `No payment ${paymentId}`);

    const move = transition(payment.status, next);
    if (move === "illegal") {
      console.warn(
        JSON.stringify({
          msg: "illegal crypto status transition refused",
          event_id: verified.id,
          transaction_id: paymentId,
          from: payment.status,
          to: next,
        }),
      );
      throw new AppError("conflict", `Illegal status transition ${payment.status} -> ${next}`);
    }

    const hash = event.data.transaction_hash ?? null;
    const confirmations = event.data.confirmations ?? null;
    if (move === "same") {
      // Same status again (e.g. more confirmations): details only, no history row, no merchant event.
      await tx.execute(sql`
        UPDATE crypto_payments SET transaction_hash = coalesce(${hash}, transaction_hash),
          confirmations = coalesce(${confirmations}::int, confirmations), updated_at = now()
        WHERE id = ${payment.id} AND (transaction_hash IS DISTINCT FROM coalesce(${hash}, transaction_hash)
          OR confirmations IS DISTINCT FROM coalesce(${confirmations}::int, confirmations))`);
      return { status: "unchanged" as const, deliveryId: null };
    }

    await tx.execute(sql`
      UPDATE crypto_payments SET status = ${next}, transaction_hash = coalesce(${hash}, transaction_hash),
        confirmations = coalesce(${confirmations}::int, confirmations), updated_at = now()
      WHERE id = ${payment.id}`);
    await tx.execute(sql`
      INSERT INTO crypto_payment_history (payment_id, status, event_id) VALUES (${payment.id}, ${next}, ${verified.id})`);
    if (next === "completed") {
      // Exactly once: `completed` is terminal and the row is locked, so only one event can get here.
      await postEntry(tx, {
        accountId: payment.account_id,
        workspaceId: payment.workspace_id,
        amount: payment.amount_usd,
        source: "crypto",
        type: "deposit",
        description: `Crypto payment ${payment.order_id}`,
        externalRef: payment.id,
        metadata: { webhook_id: verified.id, transaction_hash: hash },
        enforceOverdraft: false,
      });
    }

    let deliveryId: string | null = null;
    if (payment.callback_url) {
      deliveryId = newDeliveryId();
      await tx.execute(sql`
        INSERT INTO webhook_deliveries (id, workspace_id, url, event_type, payload)
        SELECT ${deliveryId}, p.workspace_id, p.callback_url, ${OUTBOUND_EVENT_TYPE},
          json_build_object('type', ${OUTBOUND_EVENT_TYPE}::text,
            'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'data', ${paymentDetailJson})::jsonb
        FROM crypto_payments p WHERE p.id = ${payment.id}`);
    }
    return { status: "processed" as const, deliveryId };
  });

  if (outcome.deliveryId) await enqueueDeliveries(c.env.WEBHOOK_QUEUE, [outcome.deliveryId]);
  return c.json(
    outcome.status === "duplicate"
      ? { status: outcome.status }
      : { status: outcome.status, transaction_id: paymentId, payment_status: next },
    200,
  );
});
