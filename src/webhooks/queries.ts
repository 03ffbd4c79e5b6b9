// The statements of the webhook receivers. Each event is ONE effect (runWrite): the exactly-once claim
// of its webhook-id comes first, then what the event does. A refusal (unknown payment, illegal move,
// unknown account…) names its reason in the result, and the receiver's runWrite rolls the whole
// statement back with it, claim included, so a corrected retry of the same webhook-id applies.
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { Effect } from "../ledger/idempotency";
import type { PostingRequest } from "../ledger/posting";
import { postingCall } from "../ledger/queries";
import type { ParsedAmount } from "../lib/money";
import { type CryptoStatus, legalSourcesOf as cryptoSourcesOf } from "../payments/crypto";
import { type MobileMoneyStatus, legalSourcesOf as mobileMoneySourcesOf } from "../payments/mobile-money";
import { paymentDetailJson } from "../payments/queries";

// ---------- the claim ----------

export type EventClaim = { upstream: string; eventId: string; eventType: string; payload: string };

/**
 * CTE `claim`: the event's webhook_events row; one row when this delivery is the first of its
 * webhook-id, none for a duplicate. A concurrent delivery of the same webhook-id waits on the unique
 * index for the first one's transaction, then finds the row taken.
 */
export const claimWebhookEvent = (e: EventClaim): SQL => sql`claim AS (
  INSERT INTO webhook_events (upstream, event_id, event_type, payload)
  VALUES (${e.upstream}, ${e.eventId}, ${e.eventType}, ${e.payload}::jsonb)
  ON CONFLICT (upstream, event_id) DO NOTHING RETURNING event_id)`;

/** The effect's result for a duplicate delivery. */
export const DUPLICATE = sql`'{"duplicate":true}'::jsonb`;
export type Duplicate = { duplicate: true };
export const isDuplicate = (r: object): r is Duplicate => "duplicate" in r;

/** The one credit of a payment that reached its paid status: a deposit to the `moved` row's account. */
const creditOfMoved = (
  p: Pick<PostingRequest, "amount" | "counter" | "source" | "description" | "externalRef" | "metadata">,
) =>
  postingCall({
    accountId: sql`moved.account_id`,
    workspaceId: sql`moved.workspace_id`,
    type: "deposit",
    enforceOverdraft: false,
    ...p,
  });

// ---------- mobile money (spec 001) ----------

/**
 * The claim, the payment's row lock, the status move when legal and, on COMPLETE, the single ledger
 * credit. Refuses "payment_not_found", or "illegal_transition" with the status it is `from`.
 */
export function mobileMoneyEventEffect(claim: EventClaim, e: { reference: string; to: MobileMoneyStatus }): Effect {
  const credit = creditOfMoved({
    amount: sql`moved.amount`,
    counter: "clearing:mobile_money",
    source: "mobile_money",
    description: `Mobile money payment ${e.reference}`,
    externalRef: e.reference,
    metadata: sql`jsonb_build_object('webhook_id', ${claim.eventId}::text, 'payment_id', 'payment_' || moved.id)`,
  });
  return {
    ctes: sql`${claimWebhookEvent(claim)},
      p AS MATERIALIZED (
        SELECT id, status, amount, account_id, workspace_id FROM mobile_money_payments
        WHERE reference = ${e.reference} AND EXISTS (SELECT 1 FROM claim) FOR UPDATE
      ),
      moved AS (
        UPDATE mobile_money_payments m SET status = ${e.to}, updated_at = now() FROM p
        WHERE m.id = p.id AND p.status = ANY (${sql.param(mobileMoneySourcesOf(e.to))}::text[])
        RETURNING m.id, m.amount, m.account_id, m.workspace_id
      ),
      credited AS MATERIALIZED (SELECT ${credit} AS r FROM moved WHERE ${e.to} = 'COMPLETE')`,
    result: sql`CASE
        WHEN NOT EXISTS (SELECT 1 FROM claim) THEN ${DUPLICATE}
        WHEN NOT EXISTS (SELECT 1 FROM p) THEN '{"failure":"payment_not_found"}'::jsonb
        WHEN NOT EXISTS (SELECT 1 FROM moved) THEN jsonb_build_object('failure', 'illegal_transition', 'from', (SELECT status FROM p))
        WHEN (SELECT r ? 'failure' FROM credited) THEN (SELECT r FROM credited)
        ELSE '{"processed":true}'::jsonb END`,
  };
}

// ---------- crypto processor (spec 004) ----------

export type CryptoEvent = {
  paymentId: string;
  to: CryptoStatus;
  hash: string | null;
  confirmations: number | null;
  /** The merchant's delivery row made when the status moves (the payment has a callback_url). */
  deliveryId: string;
  outboundEventType: string;
};

/**
 * One batch: the claim, the payment's row lock, the move (or, for the same status, the details only),
 * its history row and, on `completed`, the single credit (exactly once: `completed` is terminal and the
 * row is locked); then the merchant's delivery row, built from the committed-to-be state. Results: a
 * duplicate, `unchanged`, or `notify` (whether the delivery row `delivery_id` was made). Refuses "payment_not_found",
 * or "illegal_transition" with the status it is `from`.
 */
export function cryptoEventEffect(claim: EventClaim, e: CryptoEvent): Effect {
  const { paymentId, to, hash, confirmations } = e;
  const credit = creditOfMoved({
    amount: sql`moved.amount_usd`,
    counter: "clearing:crypto",
    source: "crypto",
    description: sql`'Crypto payment ' || moved.order_id`,
    externalRef: sql`moved.id::text`,
    metadata: sql`jsonb_build_object('webhook_id', ${claim.eventId}::text, 'transaction_hash', ${hash}::text)`,
  });
  return {
    ctes: sql`${claimWebhookEvent(claim)},
      p AS MATERIALIZED (
        SELECT id, status, callback_url FROM crypto_payments
        WHERE id = ${paymentId} AND EXISTS (SELECT 1 FROM claim) FOR UPDATE
      ),
      moved AS (
        UPDATE crypto_payments c SET status = ${to}, transaction_hash = coalesce(${hash}, c.transaction_hash),
          confirmations = coalesce(${confirmations}::int, c.confirmations), updated_at = now()
        FROM p
        WHERE c.id = p.id AND (p.status = ANY (${sql.param(cryptoSourcesOf(to))}::text[]) OR (p.status = ${to} AND (c.transaction_hash IS DISTINCT FROM coalesce(${hash}, c.transaction_hash)
          OR c.confirmations IS DISTINCT FROM coalesce(${confirmations}::int, c.confirmations))))
        RETURNING c.id, p.status AS was, c.account_id, c.workspace_id, c.amount_usd, c.order_id
      ),
      hist AS (
        INSERT INTO crypto_payment_history (payment_id, status, event_id)
        SELECT id, ${to}, ${claim.eventId} FROM moved WHERE was <> ${to}
      ),
      credited AS MATERIALIZED (SELECT ${credit} AS r FROM moved WHERE was <> ${to} AND ${to} = 'completed')`,
    result: sql`CASE
        WHEN NOT EXISTS (SELECT 1 FROM claim) THEN ${DUPLICATE}
        WHEN NOT EXISTS (SELECT 1 FROM p) THEN '{"failure":"payment_not_found"}'::jsonb
        WHEN (SELECT status FROM p) = ${to} THEN '{"unchanged":true}'::jsonb
        WHEN NOT EXISTS (SELECT 1 FROM moved) THEN jsonb_build_object('failure', 'illegal_transition', 'from', (SELECT status FROM p))
        WHEN (SELECT r ? 'failure' FROM credited) THEN (SELECT r FROM credited)
        ELSE jsonb_build_object('notify', (SELECT callback_url IS NOT NULL FROM p), 'delivery_id', ${e.deliveryId}::text) END`,
    // Only when this transaction wrote the event's history row (xmin), never for a duplicate.
    followUp: sql`
        INSERT INTO webhook_deliveries (id, workspace_id, url, event_type, payload)
        SELECT ${e.deliveryId}, p.workspace_id, p.callback_url, ${e.outboundEventType},
          json_build_object('type', ${e.outboundEventType}::text,
            'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'data', ${paymentDetailJson})::jsonb
        FROM crypto_payments p
        WHERE p.id = ${paymentId} AND p.callback_url IS NOT NULL AND EXISTS (
          SELECT 1 FROM crypto_payment_history h
          WHERE h.payment_id = p.id AND h.event_id = ${claim.eventId} AND h.xmin = pg_current_xact_id()::xid)`,
  };
}

// ---------- SMS gateway ----------

export type GatewayPosting = {
  accountId: string;
  amount: ParsedAmount;
  type: "deposit" | "usage";
  description: string;
  occurredAt?: Date;
  /** The entry's external_ref: what a later reversal of this event finds it by. */
  externalRef: string;
};

/**
 * The claim, then the posting (recorded even past the overdraft limit: the SMS was sent, the charge is
 * owed; ledger_post keeps the account's overdrawn flag).
 */
export function gatewayPostingEffect(claim: EventClaim, p: GatewayPosting): Effect {
  const posting = postingCall({
    accountId: p.accountId,
    amount: p.amount.value,
    counter: p.type === "usage" ? "revenue:usage" : "clearing:sms_gateway",
    source: "sms_gateway",
    type: p.type,
    description: p.description,
    occurredAt: p.occurredAt,
    externalRef: p.externalRef,
    enforceOverdraft: false,
  });
  return {
    ctes: sql`${claimWebhookEvent(claim)}, posted AS MATERIALIZED (SELECT ${posting} AS r FROM claim)`,
    result: sql`coalesce((SELECT r FROM posted), ${DUPLICATE})`,
  };
}

export type GatewayReversal = {
  /** external_ref of the entry to reverse, and of the reversal. */
  originalRef: string;
  externalRef: string;
  description: string;
  /** Dedupe row guarding "this original event was reversed" (one reversal per event). */
  once: { upstream: string; eventId: string; payload: unknown };
  metadata: unknown;
};

/** The claim, then the reversal of the posted entry, once. Refuses "original_not_found", "already_reversed". */
export function gatewayReversalEffect(claim: EventClaim, r: GatewayReversal): Effect {
  const reversal = postingCall({
    accountId: sql`target.account_id`,
    amount: sql`-target.amount`,
    // Against the original's own counter account (the gateway's clearing, or usage revenue).
    counter: sql`(SELECT l.account_code FROM system_legs l WHERE l.transaction_id = target.transaction_id LIMIT 1)`,
    source: "sms_gateway",
    type: "reversal",
    description: r.description,
    externalRef: r.externalRef,
    metadata: r.metadata,
    enforceOverdraft: false,
  });
  return {
    ctes: sql`${claimWebhookEvent(claim)},
        target AS MATERIALIZED (
          SELECT account_id, amount, transaction_id FROM ledger_entries
          WHERE external_ref = ${r.originalRef} AND EXISTS (SELECT 1 FROM claim) LIMIT 1
        ),
        once AS (
          INSERT INTO webhook_events (upstream, event_id, event_type, payload)
          SELECT ${r.once.upstream}, ${r.once.eventId}, 'reversal', ${JSON.stringify(r.once.payload)}::jsonb FROM target
          ON CONFLICT DO NOTHING RETURNING event_id
        ),
        reversed AS MATERIALIZED (SELECT ${reversal} AS r FROM target, once)`,
    result: sql`CASE
          WHEN NOT EXISTS (SELECT 1 FROM claim) THEN ${DUPLICATE}
          WHEN NOT EXISTS (SELECT 1 FROM target) THEN '{"failure":"original_not_found"}'::jsonb
          WHEN NOT EXISTS (SELECT 1 FROM once) THEN '{"failure":"already_reversed"}'::jsonb
          ELSE (SELECT r FROM reversed) END`,
  };
}

/** The claim alone (a gateway status report changes KV, not the database). */
export const claimOnlyEffect = (claim: EventClaim): Effect => ({
  ctes: claimWebhookEvent(claim),
  result: sql`CASE WHEN EXISTS (SELECT 1 FROM claim) THEN '{}'::jsonb ELSE ${DUPLICATE} END`,
});

// ---------- refusals ----------

/** Records a verified event the receiver refused (a retry refused again updates its row). */
export async function recordRefusal(
  db: Database,
  r: { upstream: string; eventId: string; status: number; reason: string; payload: string },
) {
  await db.execute(sql`
    INSERT INTO webhook_refusals (upstream, event_id, status, reason, payload)
    VALUES (${r.upstream}, ${r.eventId}, ${r.status}, ${r.reason.slice(0, 500)}, ${r.payload.slice(0, 10_000)})
    ON CONFLICT (upstream, event_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason,
      payload = EXCLUDED.payload, attempts = webhook_refusals.attempts + 1, last_at = now()`);
}
