// POST /webhooks/sms-gateway: events from the SMS gateway, signed per Standard Webhooks with
// SMS_GATEWAY_WEBHOOK_SECRET. Each event id takes effect exactly once: its webhook_events row and its
// ledger row commit in one transaction (a concurrent redelivery waits on the unique key, then sees a
// duplicate). Usage is recorded even past the overdraft limit — the SMS was already sent, so the charge
// is owed — and the account is flagged (accounts.overdrawn_at) until a deposit brings it back.
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { createSurface } from "../apis/shared/surface";
import { database } from "../db/request-db";
import { gatewayStatusMaxAge } from "../edge/gateway-config";
import { recordGatewayObservation } from "../edge/gateway-monitor";
import { GATEWAY_STATUSES } from "../edge/kv-state";
import type { Executor } from "../ledger/idempotency";
import { type PostedEntry, postEntry } from "../ledger/posting";
import { AppError } from "../lib/errors";
import { amountSchema, checkCurrencyPrecision, isNegative, type ParsedAmount } from "../lib/money";
import { verifyWebhook } from "./standard-webhooks";

const UPSTREAM = "sms_gateway";
/** Dedupe namespace guarding "this original event was reversed" (one reversal per event). */
const REVERSALS = "sms_gateway_reversal";
const entryRef = (eventId: string) => `${UPSTREAM}:${eventId}`;

const posting = {
  account_id: z.uuid(),
  description: z.string().trim().min(1).max(500).optional(),
  occurred_at: z.iso.datetime({ offset: true }).optional(),
};

export const SmsGatewayEvent = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("deposit.received"),
      data: z.object({ ...posting, amount: amountSchema }).strict(),
    }),
    z.object({
      type: z.literal("usage.charged"),
      data: z.object({ ...posting, amount: amountSchema }).strict(),
    }),
    z.object({
      type: z.literal("event.reversed"),
      data: z.object({ event_id: z.string().min(1).max(255), reason: z.string().max(500).optional() }).strict(),
    }),
    z.object({
      type: z.literal("gateway.status"),
      data: z.object({ status: z.enum(GATEWAY_STATUSES), reason: z.string().max(500).optional() }).strict(),
    }),
  ])
  .openapi("SmsGatewayEvent");
type Event = z.infer<typeof SmsGatewayEvent>;

const Accepted = z
  .object({ status: z.enum(["processed", "duplicate"]), event_id: z.string(), entry_id: z.number().optional() })
  .openapi("SmsGatewayWebhookAccepted");
const WebhookError = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi("SmsGatewayWebhookError");

export const smsGatewayWebhook = createSurface((err) => ({ error: { code: err.kind, message: err.message } }));

const errorResponse = (description: string) => ({
  content: { "application/json": { schema: WebhookError } },
  description,
});
smsGatewayWebhook.openAPIRegistry.registerPath(
  createRoute({
    method: "post",
    path: "/",
    tags: ["Webhooks"],
    description:
      "Signed (Standard Webhooks) events from the SMS gateway: deposits, usage charges (negative amounts), " +
      "reversals of earlier events and gateway status reports. Each webhook-id takes effect once.",
    request: { body: { content: { "application/json": { schema: SmsGatewayEvent } }, required: true } },
    responses: {
      200: { content: { "application/json": { schema: Accepted } }, description: "Processed, or a duplicate" },
      400: errorResponse("Malformed headers or body, or an amount the account's currency cannot hold"),
      401: errorResponse("Bad signature or a timestamp outside 5 minutes"),
      404: errorResponse("Unknown account or unknown event to reverse"),
      409: errorResponse("The event to reverse was already reversed, or is not reversible"),
    },
  }),
);

smsGatewayWebhook.post("/", async (c) => {
  const raw = await c.req.text();
  const verified = verifyWebhook(c.env.SMS_GATEWAY_WEBHOOK_SECRET, c.req.raw.headers, raw);
  const parsed = SmsGatewayEvent.safeParse(verified.payload);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join(", ");
    console.warn(JSON.stringify({ upstream: UPSTREAM, event: verified.id, rejected: problems }));
    throw new AppError("bad_request", problems);
  }
  const event = parsed.data;
  const outcome = await database(c)
    .transaction(async (tx) => {
      const claimed = await tx.execute(sql`
        INSERT INTO webhook_events (upstream, event_id, event_type, payload)
        VALUES (${UPSTREAM}, ${verified.id}, ${event.type}, ${raw}::jsonb)
        ON CONFLICT DO NOTHING RETURNING event_id`);
      if (claimed.rows.length === 0) return { status: "duplicate" as const };
      const entry = await applyEvent(tx, verified.id, event);
      return { status: "processed" as const, entry };
    })
    .catch((err) => {
      if (err instanceof AppError) {
        console.warn(JSON.stringify({ upstream: UPSTREAM, event: verified.id, rejected: err.message }));
      }
      throw err;
    });
  if (outcome.status === "processed" && event.type === "gateway.status") {
    await recordGatewayObservation(c.env.EDGE_KV, gatewayStatusMaxAge(c.env), {
      status: event.data.status,
      reason: `reported by the gateway${event.data.reason ? `: ${event.data.reason}` : ""}`,
    });
  }
  return c.json(
    { status: outcome.status, event_id: verified.id, ...(outcome.entry ? { entry_id: outcome.entry.id } : {}) },
    200,
  );
});

async function applyEvent(tx: Executor, eventId: string, event: Event): Promise<PostedEntry | undefined> {
  switch (event.type) {
    case "deposit.received":
    case "usage.charged": {
      const { account_id, amount, description, occurred_at } = event.data;
      const isUsage = event.type === "usage.charged";
      if (isNegative(amount.value) !== isUsage) {
        throw new AppError(
          "bad_request",
          `data.amount: ${isUsage ? "usage must be negative" : "deposits must be positive"}`,
        );
      }
      await checkPrecision(tx, account_id, amount);
      const entry = await postEntry(tx, {
        accountId: account_id,
        amount: amount.value,
        source: UPSTREAM,
        type: isUsage ? "usage" : "deposit",
        description: description ?? (isUsage ? "SMS usage" : "Gateway deposit"),
        occurredAt: occurred_at ? new Date(occurred_at) : undefined,
        externalRef: entryRef(eventId),
        enforceOverdraft: false,
      });
      await tx.execute(sql`
        UPDATE accounts SET overdrawn_at = CASE WHEN balance < -overdraft_limit THEN coalesce(overdrawn_at, now()) END
        WHERE id = ${account_id} AND (overdrawn_at IS NOT NULL OR balance < -overdraft_limit)`);
      return entry;
    }
    case "event.reversed": {
      const { event_id: original, reason } = event.data;
      const { rows } = await tx.execute<{ account_id: string; amount: string }>(sql`
        SELECT account_id, amount::text AS amount FROM ledger_entries WHERE external_ref = ${entryRef(original)}`);
      const target = rows[0];
      if (!target) throw new AppError("not_found", `data.event_id: no posted gateway event ${original}`);
      const once = await tx.execute(sql`
        INSERT INTO webhook_events (upstream, event_id, event_type, payload)
        VALUES (${REVERSALS}, ${original}, 'reversal', ${JSON.stringify({ reversed_by: eventId })}::jsonb)
        ON CONFLICT DO NOTHING RETURNING event_id`);
      if (once.rows.length === 0) throw new AppError("conflict", `event ${original} was already reversed`);
      const negated = isNegative(target.amount) ? target.amount.slice(1) : `-${target.amount}`;
      return postEntry(tx, {
        accountId: target.account_id,
        amount: negated,
        source: UPSTREAM,
        type: "reversal",
        description: `Reversal of ${original}${reason ? `: ${reason}` : ""}`,
        externalRef: entryRef(eventId),
        metadata: { reverses_event: original },
        enforceOverdraft: false,
      });
    }
    case "gateway.status":
      return undefined;
  }
}

async function checkPrecision(tx: Executor, accountId: string, amount: ParsedAmount) {
  const { rows } = await tx.execute<{ currency: string }>(sql`SELECT currency FROM accounts WHERE id = ${accountId}`);
  const currency = rows[0]?.currency;
  if (!currency) throw new AppError("not_found", "data.account_id: unknown account");
  const problem = checkCurrencyPrecision(amount, currency);
  if (problem) throw new AppError("bad_request", `data.${problem}`);
}
