// Parameters and answers of the audit resource.
import { z } from "@hono/zod-openapi";
import { cursorQuery, day, limitQuery, periodChecks } from "../common";

export const AuditEventQuery = z
  .object({
    actor: z
      .string()
      .trim()
      .min(1)
      .max(254)
      .optional()
      .openapi({ description: "An operator's id or email, `bootstrap`, or `system` (the scheduled job)" }),
    action: z.string().trim().min(1).max(100).optional().openapi({ example: "account.status" }),
    target: z.string().trim().min(1).max(200).optional().openapi({ description: "The target's id" }),
    workspace_id: z.uuid({ message: "workspace_id must be a UUID" }).optional(),
    account_id: z.uuid({ message: "account_id must be a UUID" }).optional(),
    from: day("from"),
    to: day("to"),
    limit: limitQuery(200, 50),
    cursor: cursorQuery,
  })
  .superRefine(periodChecks);

const Change = z.record(z.string(), z.unknown()).nullable();

export const AuditEvent = z
  .object({
    id: z.number().int(),
    occurred_at: z.string(),
    actor: z.object({ id: z.string().nullable(), email: z.string() }),
    action: z.string(),
    target: z.object({ type: z.string(), id: z.string() }),
    workspace_id: z.string().nullable(),
    account_id: z.string().nullable(),
    before: Change,
    after: Change,
    amount: z.number().nullable(),
    currency: z.string().nullable(),
    request_id: z.string().nullable(),
    client_ip: z.string().nullable(),
  })
  .openapi("AuditEvent");

export const AuditEventList = z
  .object({ audit_events: z.array(AuditEvent), next_cursor: z.string().nullable() })
  .openapi("AuditEventList");
