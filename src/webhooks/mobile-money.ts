// POST /webhooks/mobile-money: payment status events from the mobile-money gateway, signed per the
// Standard Webhooks spec with MOBILE_MONEY_WEBHOOK_SECRET. One statement per event: the dedupe row
// (webhook_events), the payment's status change under a row lock and, on COMPLETE, the single ledger
// credit commit together or not at all. Errors: {"error":{"code","message"}}.
import { createRoute, z } from "@hono/zod-openapi";
import { MOBILE_MONEY_STATUSES } from "../db/schema";
import { describeIssues } from "../http/params";
import { createSurface } from "../http/surface";
import { AppError } from "../lib/errors";
import { type Duplicate, isDuplicate, mobileMoneyEventEffect } from "./queries";
import { receiverLimits, receiveWebhooks, statusRefusal } from "./receiver";
import { signatureSecurity } from "./signature-scheme";

export const EVENT_TYPE = "payment.status_changed";

export const MobileMoneyEvent = z
  .object({
    type: z.literal(EVENT_TYPE),
    data: z.object({
      reference: z.string().min(1).max(100).openapi({ example: "API_PAY_REF_123456789012345678" }),
      status: z.enum(["PENDING", "COMPLETE", "FAILED", "TIMEOUT"]),
    }),
  })
  .openapi("MobileMoneyEvent");

const WebhookError = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi("MobileMoneyWebhookError");

const WebhookAccepted = z
  .object({
    status: z.enum(["processed", "duplicate"]),
    reference: z.string().optional(),
    payment_status: z.enum(MOBILE_MONEY_STATUSES).optional(),
  })
  .openapi("MobileMoneyWebhookAccepted");
type Accepted = z.infer<typeof WebhookAccepted>;

/** An AppError with a more precise machine code than its kind. */
class WebhookProblem extends AppError {
  constructor(
    kind: ConstructorParameters<typeof AppError>[0],
    readonly code: string,
    message: string,
  ) {
    super(kind, message);
  }
}

const CODES: Partial<Record<AppError["kind"], string>> = {
  bad_request: "invalid_request",
  unauthorized: "invalid_signature",
  not_found: "unknown_payment",
  payload_too_large: "payload_too_large",
  internal: "internal",
  unavailable: "unavailable",
};

export const mobileMoneyWebhook = createSurface((err) => ({
  error: {
    code: err instanceof WebhookProblem ? err.code : (CODES[err.kind] ?? err.kind),
    message: err.message,
  },
}));

const header = (description: string) => z.string().openapi({ description });

// Documentation only: the handler must read the raw body for the signature, so no validator runs first.
export const receiveMobileMoneyEvent = createRoute({
  method: "post",
  path: "/",
  operationId: "receiveMobileMoneyEvent",
  summary: "Receive a mobile-money gateway event",
  tags: ["Webhooks"],
  security: signatureSecurity(mobileMoneyWebhook, "mobileMoneySignature", "MOBILE_MONEY_WEBHOOK_SECRET"),
  description:
    "Payment status events from the mobile-money gateway, signed per Standard Webhooks: HMAC-SHA256 over " +
    "`webhook-id.webhook-timestamp.body` with the shared `whsec_` secret; the timestamp must be within 5 minutes " +
    "of now; several space-separated `v1,<base64>` signatures are accepted (secret rotation). Legal moves: " +
    "INIT→PENDING|FAILED|TIMEOUT, PENDING→COMPLETE|FAILED|TIMEOUT. Reaching COMPLETE credits the payment's " +
    "account once (ledger source `mobile_money`, type `deposit`). A redelivered `webhook-id` answers 200 " +
    '`{"status":"duplicate"}` and changes nothing. Refused events (4xx) store nothing.',
  request: {
    headers: z.object({
      "webhook-id": header("Unique message id; the deduplication key"),
      "webhook-timestamp": header("Unix seconds"),
      "webhook-signature": header("Space-separated `v1,<base64 HMAC-SHA256>`"),
    }),
    body: { content: { "application/json": { schema: MobileMoneyEvent } }, required: true },
  },
  responses: {
    200: { content: { "application/json": { schema: WebhookAccepted } }, description: "Applied, or a duplicate" },
    400: {
      content: { "application/json": { schema: WebhookError } },
      description: "Missing/malformed headers, body not JSON, or not a known event",
    },
    401: {
      content: { "application/json": { schema: WebhookError } },
      description: "Signature matches no secret, or timestamp outside the 5-minute tolerance",
    },
    404: { content: { "application/json": { schema: WebhookError } }, description: "No payment has this reference" },
    409: {
      content: { "application/json": { schema: WebhookError } },
      description: "Illegal status transition (code `illegal_transition`); nothing changed",
    },
    ...receiverLimits(WebhookError),
  },
});
mobileMoneyWebhook.openAPIRegistry.registerPath(receiveMobileMoneyEvent);

receiveWebhooks(mobileMoneyWebhook, {
  upstream: "mobile_money",
  secret: (env) => env.MOBILE_MONEY_WEBHOOK_SECRET,
  event: MobileMoneyEvent,
  invalid: (error, { payload }) => {
    const event = payload as { type?: unknown } | null;
    if (typeof event !== "object" || event === null || typeof event.type !== "string") {
      return new WebhookProblem("bad_request", "invalid_event", "Event must be a JSON object with a string type");
    }
    if (event.type !== EVENT_TYPE) {
      return new WebhookProblem("bad_request", "unsupported_event_type", `Unsupported event type: ${event.type}`);
    }
    const fields = Object.keys(describeIssues(error).details).join(", ");
    return new WebhookProblem("bad_request", "invalid_event", `Invalid event fields: ${fields}`);
  },
  effect: (event, delivery) =>
    mobileMoneyEventEffect(
      { upstream: "mobile_money", eventId: delivery.id, eventType: EVENT_TYPE, payload: JSON.stringify(event) },
      { reference: event.data.reference, to: event.data.status },
    ),
  refused: (refusal, event, delivery) => {
    const { reference, status: to } = event.data;
    return statusRefusal(refusal, {
      log: { msg: "illegal mobile-money status transition refused", event_id: delivery.id, reference },
      to,
      notFound: () => new AppError("not_found", `No payment with reference ${reference}`),
      illegal: (from) =>
        new WebhookProblem(
          "conflict",
          "illegal_transition",
          `Illegal status transition ${from} -> ${to} for payment ${reference}`,
        ),
    });
  },
  answer: (c, applied: { processed: true } | Duplicate, event) =>
    c.json<Accepted>(
      isDuplicate(applied)
        ? { status: "duplicate" }
        : { status: "processed", reference: event.data.reference, payment_status: event.data.status },
      200,
    ),
});
