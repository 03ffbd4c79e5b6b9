// POST /webhooks/mobile-money: payment status events from the mobile-money gateway, signed per the
// Standard Webhooks spec with MOBILE_MONEY_WEBHOOK_SECRET. One transaction per event: the dedupe row
// (webhook_events), the payment's status change under a row lock and, on COMPLETE, the single ledger
// credit commit together or not at all. Errors: {"error":{"code","message"}}.
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { createSurface } from "../apis/shared/surface";
import { database } from "../db/request-db";
import { MOBILE_MONEY_STATUSES } from "../db/schema";
import { postEntry } from "../ledger/posting";
import { AppError } from "../lib/errors";
import { verifyWebhook } from "./standard-webhooks";

type Status = (typeof MOBILE_MONEY_STATUSES)[number];

/** The legal moves; COMPLETE, FAILED and TIMEOUT are terminal. */
const NEXT: Record<Status, readonly Status[]> = {
  INIT: ["PENDING", "FAILED", "TIMEOUT"],
  PENDING: ["COMPLETE", "FAILED", "TIMEOUT"],
  COMPLETE: [],
  FAILED: [],
  TIMEOUT: [],
};

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
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".")))].join(", ");
    throw new WebhookProblem("bad_request", "invalid_event", `Invalid event fields: ${fields}`);
  }
  const { reference, status: next } = parsed.data.data;

  const outcome = await database(c).transaction(async (tx) => {
    // The dedupe claim comes first: a concurrent delivery of the same id waits here for this
    // transaction, then sees the row and reports a duplicate.
    const claim = await tx.execute(sql`
      INSERT INTO webhook_events (upstream, event_id, event_type, payload)
      VALUES ('mobile_money', ${verified.id}, ${EVENT_TYPE}, ${JSON.stringify(parsed.data)}::jsonb)
      ON CONFLICT (upstream, event_id) DO NOTHING RETURNING event_id`);
    if (claim.rows.length === 0) return { status: "duplicate" as const };

    const { rows } = await tx.execute<{
      id: string;
      status: Status;
      amount: string;
      account_id: string;
      workspace_id: string;
    }>(sql`
      SELECT id::text AS id, status, amount::text AS amount, account_id::text AS account_id,
             workspace_id::text AS workspace_id
      FROM mobile_money_payments WHERE reference = ${reference} FOR UPDATE`);
    const payment = rows[0];
    if (!payment) throw new AppError("not_found", `No payment with reference ${reference}`);

    if (!NEXT[payment.status].includes(next)) {
      console.warn(
        JSON.stringify({
          msg: "illegal mobile-money status transition refused",
          event_id: verified.id,
          reference,
          from: payment.status,
          to: next,
        }),
      );
      throw new WebhookProblem(
        "conflict",
        "illegal_transition",
        `Illegal status transition ${payment.status} -> ${next} for payment ${reference}`,
      );
    }

    await tx.execute(sql`
      UPDATE mobile_money_payments SET status = ${next}, updated_at = now() WHERE id = ${payment.id}::bigint`);
    if (next === "COMPLETE") {
      await postEntry(tx, {
        accountId: payment.account_id,
        workspaceId: payment.workspace_id,
        amount: payment.amount,
        source: "mobile_money",
        type: "deposit",
        description: `Mobile money payment ${reference}`,
        externalRef: reference,
        metadata: { webhook_id: verified.id, payment_id: `payment_${payment.id}` },
        enforceOverdraft: false,
      });
    }
    return { status: "processed" as const, reference, payment_status: next };
  });
  return c.json(outcome, 200);
});
