// Parameters and answers of the reconciliations resource (issue 20).
import { z } from "@hono/zod-openapi";
import { RECONCILIATION_BUCKETS, RESOLUTIONS } from "../../../db/schema";
import { UPSTREAMS } from "../../../ledger/posting";
import { instantOf } from "../../../reconciliation/formats";
import { cursorQuery, limitQuery } from "../common";

export const upstreamField = z
  .enum(UPSTREAMS, { message: `upstream must be one of ${UPSTREAMS.join(", ")}` })
  .openapi({ example: "mobile_money" });

const instant = (name: string) =>
  z
    .string({ message: `${name} is required` })
    .refine((s) => instantOf(s) !== null, `${name} must be an RFC 3339 timestamp or a date (YYYY-MM-DD)`)
    .transform((s) => instantOf(s) ?? s)
    .openapi({ example: "2026-11-01", description: `RFC 3339; a bare date is its UTC midnight` });

export const ImportQuery = z
  .object({
    upstream: upstreamField,
    currency: z
      .string({ message: "currency is required" })
      .regex(/^[A-Z]{3}$/, "currency must be an ISO 4217 code (3 capital letters)")
      .openapi({ example: "EUR" }),
    from: instant("from").openapi({ description: "Inclusive, on the clearing legs' posting time" }),
    to: instant("to").openapi({ description: "Exclusive" }),
  })
  .superRefine((q, ctx) => {
    if (q.upstream === "crypto" && q.currency !== "USD") {
      ctx.addIssue({ code: "custom", path: ["currency"], message: "crypto reports are in USD" });
    }
    if (q.from >= q.to) ctx.addIssue({ code: "custom", path: ["to"], message: "to must be after from" });
  });

export const ListQuery = z.object({
  upstream: upstreamField.optional(),
  limit: limitQuery(100, 50),
  cursor: cursorQuery,
});

export const ItemsQuery = z.object({
  bucket: z
    .enum(RECONCILIATION_BUCKETS, { message: `bucket must be one of ${RECONCILIATION_BUCKETS.join(", ")}` })
    .optional(),
  limit: limitQuery(500, 100),
  cursor: cursorQuery,
});

export const ItemParams = z.object({
  id: z.uuid({ message: "id must be a UUID" }).openapi({ param: { name: "id", in: "path" } }),
  item_id: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, "item_id must be an item's id")
    .openapi({ param: { name: "item_id", in: "path" } }),
});

export const ResolveBody = z
  .object({
    action: z.enum(RESOLUTIONS, { message: `action must be one of ${RESOLUTIONS.join(", ")}` }),
    note: z.string().trim().min(1, "note must not be empty").max(1000),
  })
  .strict();

export const SettleQuery = z.object({
  partial: z
    .enum(["true", "false"], { message: "partial must be true or false" })
    .optional()
    .transform((v) => v === "true")
    .openapi({ description: "true: settle the matched lines only, whatever remains unresolved" }),
});

const Summary = z.object({
  matched: z.number().int(),
  amount_mismatch: z.number().int(),
  missing_in_ledger: z.number().int(),
  missing_in_report: z.number().int(),
  duplicate: z.number().int(),
});

export const Reconciliation = z
  .object({
    id: z.string(),
    upstream: upstreamField,
    currency: z.string(),
    from: z.string(),
    to: z.string(),
    status: z.enum(["open", "settled"]),
    line_count: z.number().int(),
    summary: Summary,
    actor: z.string(),
    created_at: z.string(),
    settled_at: z.string().nullable(),
  })
  .openapi("Reconciliation");

export const ReconciliationList = z
  .object({ reconciliations: z.array(Reconciliation), next_cursor: z.string().nullable() })
  .openapi("ReconciliationList");

export const Item = z
  .object({
    id: z.string(),
    bucket: z.enum(RECONCILIATION_BUCKETS),
    key: z.string().openapi({ description: "The report's key field (keys joined by | for 1:N), or the credit's key" }),
    line: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The report's line (header = 1); null for missing_in_report" }),
    currency: z.string(),
    report_amount: z.string().nullable(),
    fee: z.string().nullable(),
    ledger_amount: z.string().nullable(),
    account_id: z.string().nullable(),
    resolution: z
      .object({
        action: z.enum(RESOLUTIONS),
        note: z.string().nullable(),
        actor: z.string(),
        resolved_at: z.string(),
        transaction_id: z.number().int().nullable(),
      })
      .nullable(),
    settled_transaction_id: z.number().int().nullable(),
  })
  .openapi("ReconciliationItem");

export const ItemList = z
  .object({ items: z.array(Item), next_cursor: z.string().nullable() })
  .openapi("ReconciliationItemList");

export const Settlement = z
  .object({
    reconciliation_id: z.string(),
    transaction_id: z.number().int().nullable().openapi({ description: "null when nothing was left to settle" }),
    settled_items: z.number().int(),
    gross: z.string(),
    net: z.string(),
    fees: z.string(),
  })
  .openapi("ReconciliationSettlement");
