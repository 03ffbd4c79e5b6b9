// Parameters and answer of the payment lookup (issue 20).
import { z } from "@hono/zod-openapi";

export const SearchQuery = z.object({
  q: z
    .string({ message: "q is required" })
    .trim()
    .min(1, "q must not be empty")
    .max(200, "q must be at most 200 characters")
    .openapi({
      example: "ORDER-12345",
      description: "An exact reference, order id, transaction id, payment id or event id",
    }),
});

const Leg = z.object({
  account: z.string().openapi({ description: "A customer account id, or a system account code" }),
  amount: z.string(),
  currency: z.string(),
  source: z.string().nullable(),
  type: z.string().nullable(),
  description: z.string().nullable(),
  posted_at: z.string(),
});

export const PaymentResult = z
  .object({
    kind: z.enum(["mobile_money_payment", "crypto_payment", "sms_payment", "gateway_event"]),
    id: z.string(),
    status: z.string(),
    amount: z.string().nullable(),
    currency: z.string().nullable(),
    account_id: z.string().nullable(),
    workspace_id: z.string().nullable(),
    created_at: z.string(),
    status_history: z.array(z.object({ status: z.string().nullable(), at: z.string() })),
    events: z.array(
      z.object({
        upstream: z.string(),
        event_id: z.string(),
        event_type: z.string(),
        payload: z.unknown(),
        received_at: z.string(),
      }),
    ),
    ledger: z.array(z.object({ transaction_id: z.number().int(), legs: z.array(Leg) })),
    deliveries: z.array(
      z.object({
        id: z.string(),
        url: z.string(),
        event_type: z.string(),
        status: z.string(),
        attempts: z.number().int(),
        last_error: z.string().nullable(),
        created_at: z.string(),
      }),
    ),
  })
  .openapi("PaymentLookupResult");

export const SearchResults = z.object({ results: z.array(PaymentResult) }).openapi("PaymentLookup");
