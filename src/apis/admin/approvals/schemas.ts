// Bodies and answers of the approvals resource (four eyes on large adjustments).
import { z } from "@hono/zod-openapi";
import { APPROVAL_STATUSES } from "../../../db/schema";
import { cursorQuery, limitQuery } from "../common";
import { LedgerEntry } from "../entries/schemas";

export const Approval = z
  .object({
    id: z.string(),
    account_id: z.string(),
    workspace_id: z.string(),
    amount: z.number(),
    currency: z.string(),
    description: z.string(),
    status: z.enum(APPROVAL_STATUSES),
    requested_by: z.object({ id: z.string(), email: z.string() }),
    decided_by: z.object({ id: z.string(), email: z.string() }).nullable(),
    decided_at: z.string().nullable(),
    note: z.string().nullable(),
    entry_id: z.number().nullable().openapi({ description: "The ledger entry the approval posted" }),
    created_at: z.string(),
    expires_at: z.string().openapi({ description: "A request not approved by then expires (7 days)" }),
  })
  .openapi("Approval");

export const ApprovalCreated = z.object({ approval: Approval }).openapi("ApprovalCreated");

export const ApprovalListQuery = z.object({
  status: z.enum(APPROVAL_STATUSES).optional(),
  account_id: z.uuid({ message: "account_id must be a UUID" }).optional(),
  limit: limitQuery(200, 50),
  cursor: cursorQuery,
});

export const ApprovalList = z
  .object({ approvals: z.array(Approval), next_cursor: z.string().nullable() })
  .openapi("ApprovalList");

export const RejectApproval = z.object({ note: z.string().trim().max(500).optional() }).strict();

export const ApprovalApproved = z.object({ approval: Approval, entry: LedgerEntry }).openapi("ApprovalApproved");
