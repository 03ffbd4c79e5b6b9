// Parameters and answer of the upstream health (issue 20).
import { z } from "@hono/zod-openapi";
import { upstreamField } from "../reconciliations/schemas";

export const HealthParams = z.object({ upstream: upstreamField.openapi({ param: { name: "upstream", in: "path" } }) });
export const HealthQuery = z.object({
  currency: z
    .string({ message: "currency is required" })
    .regex(/^[A-Z]{3}$/, "currency must be an ISO 4217 code (3 capital letters)")
    .openapi({ example: "EUR" }),
});

const Credit = z.object({
  transaction_id: z.number().int(),
  account_id: z.string(),
  key: z.string().nullable().openapi({ description: "The credit's external_ref (payment reference, id, event)" }),
  amount: z.string(),
  posted_at: z.string(),
});

export const UpstreamHealth = z
  .object({
    upstream: upstreamField,
    currency: z.string(),
    window_days: z.number().int().openapi({ description: "SETTLEMENT_WINDOW_DAYS_<UPSTREAM>, default 3" }),
    clearing_balance: z
      .string()
      .openapi({ description: "clearing:<upstream> (negative: owed by the upstream), opening balance included" }),
    opening_balance: z
      .string()
      .openapi({ description: "The part from before double-entry (opening legs): never stuck money" }),
    past_window: z.object({
      amount: z.string().openapi({ description: "The customer credits unsettled past the window (positive)" }),
      count: z.number().int(),
      oldest: z.array(Credit).openapi({ description: "Oldest first, at most 100" }),
    }),
    refused_events: z.object({
      count: z.number().int(),
      newest: z.array(
        z.object({
          event_id: z.string(),
          status: z.number().int(),
          reason: z.string(),
          attempts: z.number().int(),
          first_at: z.string(),
          last_at: z.string(),
        }),
      ),
    }),
    credits_without_event: z.object({
      count: z.number().int().openapi({ description: "Credits of the last 30 days with no received event" }),
      newest: z.array(Credit),
    }),
  })
  .openapi("UpstreamHealth");

export const ClearingOverview = z
  .object({
    upstreams: z.array(
      z.object({
        upstream: upstreamField,
        currency: z.string(),
        clearing_balance: z.string(),
        past_window_amount: z.string().openapi({ description: "Unsettled credits older than the window" }),
        past_window_count: z.number().int(),
        window_days: z.number().int(),
      }),
    ),
  })
  .openapi("UpstreamClearingOverview");
