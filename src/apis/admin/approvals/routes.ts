// Routes of the approvals resource: the list, approve, reject.
import { jsonContent } from "../../../http/openapi";
import { uuidParam } from "../../../http/params";
import { AdminError } from "../errors";
import { adminErrors, adminRoute } from "../route-base";
import { ApprovalApproved, ApprovalCreated, ApprovalList, ApprovalListQuery, RejectApproval } from "./schemas";

const decisionErrors = {
  ...adminErrors,
  403: jsonContent(AdminError, "The role does not allow it, or the requester approves their own request"),
  409: jsonContent(AdminError, "Already approved or rejected, or expired"),
};

export const listApprovals = adminRoute({
  operationId: "listApprovals",
  summary: "List approval requests",
  method: "get",
  path: "/approvals",
  description: "Approval requests newest first, keyset-paged; `status` and `account_id` filter them.",
  request: { query: ApprovalListQuery },
  responses: { 200: jsonContent(ApprovalList, "A page of approval requests"), ...adminErrors },
});

export const approveApproval = adminRoute({
  operationId: "approveApproval",
  summary: "Approve and post an adjustment",
  method: "post",
  path: "/approvals/{id}/approve",
  description: "Posts the adjustment exactly once. Not by the requester (403); a second approve answers 409.",
  request: { params: uuidParam("id") },
  responses: { 200: jsonContent(ApprovalApproved, "Approved and posted"), ...decisionErrors },
});

export const rejectApproval = adminRoute({
  operationId: "rejectApproval",
  summary: "Reject an adjustment request",
  method: "post",
  path: "/approvals/{id}/reject",
  description: "Nothing posts. The body, with an optional note, is optional.",
  request: {
    params: uuidParam("id"),
    body: { content: { "application/json": { schema: RejectApproval } }, required: false },
  },
  responses: { 200: jsonContent(ApprovalCreated, "Rejected"), ...decisionErrors },
});
