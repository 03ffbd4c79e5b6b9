// Route of the audit resource: the audit trail, newest first, with its filters.
import { jsonContent } from "../../../http/openapi";
import { adminErrors, adminRoute } from "../route-base";
import { AuditEventList, AuditEventQuery } from "./schemas";

export const listAuditEvents = adminRoute({
  operationId: "listAuditEvents",
  summary: "Read the audit trail",
  method: "get",
  path: "/audit-events",
  description:
    "Every state-changing admin or portal action, newest first, keyset-paged (limit up to 200). Filters: " +
    "`actor` (an operator's id or email, or `bootstrap`), `action`, `target` (the target's id), " +
    "`workspace_id`, `account_id`, and the UTC days `from`..`to` (inclusive).",
  request: { query: AuditEventQuery },
  responses: { 200: jsonContent(AuditEventList, "A page of audit events"), ...adminErrors },
});
