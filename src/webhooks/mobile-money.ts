// POST /webhooks/mobile-money: payment status events from the mobile-money gateway, signed per the
// Standard Webhooks spec with MOBILE_MONEY_WEBHOOK_SECRET. One statement per event: the dedupe row
// (webhook_events), the payment's status change under a row lock and, on COMPLETE, the single ledger
// credit commit together or not at all. Errors: {"error":{"code","message"}}.
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { describeIssues } from "../apis/shared/params";
import { createSurface } from "../apis/shared/surface";
import { database } from "../db/request-db";
import { MOBILE_MONEY_STATUSES } from "../db/schema";
import { runWrite } from "../ledger/idempotency";
import { postingCall, type Refusal, refusalError } from "../ledger/posting";
import { AppError } from "../lib/errors";
import { legalSourcesOf } from "../payments/mobile-money";
import { claimWebhookEvent, DUPLICATE, type Duplicate, isDuplicate } from "./event-claim";
import { verifyWebhook } from "./standard-webhooks";

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
mobileMoneyWebhook.openAPIRegistry.registerPath(
  createRoute({
    method: "post",
    path: "/",
    tags: ["Webhooks"],
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
    },
  }),
);

mobileMoneyWebhook.post("/", async (c) => {
  const raw = await c.req.text();
  const verified = verifyWebhook(c.env.MOBILE_MONEY_WEBHOOK_SECRET, c.req.raw.headers, raw);
  const payload = verified.payload as { type?: unknown } | null;
  if (typeof payload !== "object" || payload === null || typeof payload.type !== "string") {
    throw new WebhookProblem("bad_request", "invalid_event", "Event must be a JSON object with a string type");
  }
  if (payload.type !== EVENT_TYPE) {
    throw new WebhookProblem("bad_request", "unsupported_event_type", `Unsupported event type: ${payload.type}`);
  }
  const parsed = MobileMoneyEvent.safeParse(payload);
  if (!parsed.success) {
    const fields = Object.keys(describeIssues(parsed.error).details).join(", ");
    throw new WebhookProblem("bad_request", "invalid_event", `Invalid event fields: ${fields}`);
  }
  const { reference, status: next } = parsed.data.data;

  const from = legalSourcesOf(next);
  const credit = postingCall({
    accountId: sql`moved.account_id`,
    workspaceId: sql`moved.workspace_id`,
    amount: sql`moved.amount`,
    source: "mobile_money",
    type: "deposit",
    description: `Mobile money payment ${reference}`,
    externalRef: reference,
    metadata: sql`jsonb_build_object('webhook_id', ${verified.id}::text, 'payment_id', 'payment_' || moved.id)`,
    enforceOverdraft: false,
  });
  // One statement: the claim, the payment's row lock, the status move when legal and, on COMPLETE, the
  // single ledger credit. A refusal (unknown reference, illegal move) rolls the claim back with it.
  const outcome = await runWrite<{ processed: true } | Duplicate, Accepted>(
    database(c),
    null,
    {
      ctes: sql`${claimWebhookEvent({
        upstream: "mobile_money",
        eventId: verified.id,
        eventType: EVENT_TYPE,
        payload: JSON.stringify(parsed.data),
      })},
      p AS MATERIALIZED (
        SELECT id, status, amount, account_id, workspace_id FROM mobile_money_payments
        WHERE reference = ${reference} AND EXISTS (SELECT 1 FROM claim) FOR UPDATE
      ),
      moved AS (
        UPDATE mobile_money_payments m SET status = ${next}, updated_at = now() FROM p
        WHERE m.id = p.id AND p.status = ANY (${sql.param(from)}::text[])
        RETURNING m.id, m.amount, m.account_id, m.workspace_id
      ),
      credited AS MATERIALIZED (SELECT ${credit} AS r FROM moved WHERE ${next} = 'COMPLETE')`,
      result: sql`CASE
        WHEN NOT EXISTS (SELECT 1 FROM claim) THEN ${DUPLICATE}
        WHEN NOT EXISTS (SELECT 1 FROM p) THEN '{"failure":"payment_not_found"}'::jsonb
        WHEN NOT EXISTS (SELECT 1 FROM moved) THEN jsonb_build_object('failure', 'illegal_transition', 'from', (SELECT status FROM p))
        WHEN (SELECT r ? 'failure' FROM credited) THEN (SELECT r FROM credited)
        ELSE '{"processed":true}'::jsonb END`,
      rollbackOnRefusal: true,
    },
    {
      status: 200,
      render: (r): Accepted =>
        isDuplicate(r) ? { status: "duplicate" } : { status: "processed", reference, payment_status: next },
      refused: (refusal) => {
        if (refusal.failure === "payment_not_found")
          return new AppError("not_found", `No payment with reference ${reference}`);
        if (refusal.failure !== "illegal_transition") return refusalError(refusal);
        const current = (refusal as Refusal & { from?: string }).from;
        console.warn(
          JSON.stringify({
            msg: "illegal mobile-money status transition refused",
            event_id: verified.id,
            reference,
            from: current,
            to: next,
          }),
        );
        return new WebhookProblem(
          "conflict",
          "illegal_transition",
          `Illegal status transition ${current} -> ${next} for payment ${reference}`,
        );
      },
    },
  );
  return c.json(outcome.body, 200);
});
