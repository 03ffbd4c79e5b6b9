// POST /webhooks/sms-gateway: events from the SMS gateway, signed per Standard Webhooks with
// SMS_GATEWAY_WEBHOOK_SECRET. Each event id takes effect exactly once: its webhook_events row and its
// ledger row commit in one transaction (a concurrent redelivery waits on the unique key, then sees a
// duplicate). Usage is recorded even past the overdraft limit — the SMS was already sent, so the charge
// is owed — and the account is flagged (accounts.overdrawn_at, set by ledger_post) until a posting of
// any surface brings it back. A redelivered event posts nothing, so it changes nothing, the flag included.
import { createRoute, z } from "@hono/zod-openapi";
import { gatewayStatusMaxAge } from "../edge/gateway-config";
import { recordGatewayObservation } from "../edge/gateway-monitor";
import { GATEWAY_STATUSES } from "../edge/kv-state";
import { type AmountRule, amountField, describeIssues, mustBePositive } from "../http/params";
import { createSurface } from "../http/surface";
import type { Effect } from "../ledger/idempotency";
import { type Refusal, refusalError } from "../ledger/posting";
import { AppError } from "../lib/errors";
import { isNegative } from "../lib/money";
import { claimOnlyEffect, type Duplicate, gatewayPostingEffect, gatewayReversalEffect, isDuplicate } from "./queries";
import { receiverLimits, receiveWebhooks } from "./receiver";
import { signatureSecurity } from "./signature-scheme";

const UPSTREAM = "sms_gateway";
/** Dedupe namespace guarding "this original event was reversed" (one reversal per event). */
const REVERSALS = "sms_gateway_reversal";
const entryRef = (eventId: string) => `${UPSTREAM}:${eventId}`;

/** A usage charge takes money: below zero (zero is no charge, and no ledger row may hold it). */
const mustBeNegative: AmountRule = (a) => (isNegative(a.value) ? null : "usage must be negative");

const posting = {
  account_id: z.uuid(),
  description: z.string().trim().min(1).max(500).optional(),
  occurred_at: z.iso.datetime({ offset: true }).optional(),
};

export const SmsGatewayEvent = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("deposit.received"),
      data: z
        .object({ ...posting, amount: amountField(undefined, mustBePositive("deposits must be positive")) })
        .strict(),
    }),
    z.object({
      type: z.literal("usage.charged"),
      data: z.object({ ...posting, amount: amountField(undefined, mustBeNegative) }).strict(),
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
export const receiveSmsGatewayEvent = createRoute({
  method: "post",
  path: "/",
  operationId: "receiveSmsGatewayEvent",
  summary: "Receive an SMS gateway event",
  tags: ["Webhooks"],
  security: signatureSecurity(smsGatewayWebhook, "smsGatewaySignature", "SMS_GATEWAY_WEBHOOK_SECRET"),
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
    ...receiverLimits(WebhookError),
  },
});
smsGatewayWebhook.openAPIRegistry.registerPath(receiveSmsGatewayEvent);

receiveWebhooks(smsGatewayWebhook, {
  upstream: UPSTREAM,
  secret: (env) => env.SMS_GATEWAY_WEBHOOK_SECRET,
  event: SmsGatewayEvent,
  invalid: (error, delivery) => {
    const problems = describeIssues(error).message;
    console.warn(JSON.stringify({ upstream: UPSTREAM, event: delivery.id, rejected: problems }));
    return new AppError("bad_request", problems);
  },
  effect: (event, delivery) => eventEffect(delivery.id, delivery.raw, event),
  refused: (refusal, event, delivery) => {
    const problem = refusalProblem(refusal, event);
    console.warn(JSON.stringify({ upstream: UPSTREAM, event: delivery.id, rejected: problem.message }));
    return problem;
  },
  answer: async (c, applied: Applied, event, delivery) => {
    if (!isDuplicate(applied) && event.type === "gateway.status") {
      await recordGatewayObservation(c.env.EDGE_KV, gatewayStatusMaxAge(c.env), {
        status: event.data.status,
        reason: `reported by the gateway${event.data.reason ? `: ${event.data.reason}` : ""}`,
      });
    }
    return c.json(
      {
        status: isDuplicate(applied) ? ("duplicate" as const) : ("processed" as const),
        event_id: delivery.id,
        ...(!isDuplicate(applied) && applied.id !== undefined ? { entry_id: applied.id } : {}),
      },
      200,
    );
  },
});

/** What an applied event answers: its ledger entry when it posted one. */
type Applied = Duplicate | { id?: number };

/** The event's effect: the claim, then the posting it calls for (webhooks/queries.ts). */
function eventEffect(eventId: string, raw: string, event: Event): Effect {
  const claim = { upstream: UPSTREAM, eventId, eventType: event.type, payload: raw };
  switch (event.type) {
    case "deposit.received":
    case "usage.charged": {
      const { account_id, amount, description, occurred_at } = event.data;
      const isUsage = event.type === "usage.charged";
      return gatewayPostingEffect(claim, {
        accountId: account_id,
        amount,
        type: isUsage ? "usage" : "deposit",
        description: description ?? (isUsage ? "SMS usage" : "Gateway deposit"),
        occurredAt: occurred_at ? new Date(occurred_at) : undefined,
        externalRef: entryRef(eventId),
      });
    }
    case "event.reversed": {
      const { event_id: original, reason } = event.data;
      return gatewayReversalEffect(claim, {
        originalRef: entryRef(original),
        externalRef: entryRef(eventId),
        description: `Reversal of ${original}${reason ? `: ${reason}` : ""}`,
        once: { upstream: REVERSALS, eventId: original, payload: { reversed_by: eventId } },
        metadata: { reverses_event: original },
      });
    }
    case "gateway.status":
      return claimOnlyEffect(claim);
  }
}

/** A refusal in this receiver's words. */
function refusalProblem(refusal: Refusal, event: Event): AppError {
  switch (refusal.failure) {
    case "account_not_found":
      return new AppError("not_found", "data.account_id: unknown account");
    case "currency_precision":
      return new AppError("bad_request", refusalError(refusal, "data.amount").message);
    case "original_not_found":
      return new AppError(
        "not_found",
        `data.event_id: no posted gateway event ${"event_id" in event.data ? event.data.event_id : ""}`,
      );
    case "already_reversed":
      return new AppError(
        "conflict",
        `event ${"event_id" in event.data ? event.data.event_id : ""} was already reversed`,
      );
    default:
      return refusalError(refusal);
  }
}
