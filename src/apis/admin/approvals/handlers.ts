// Handlers of the approvals resource.
import { z } from "@hono/zod-openapi";
import type { AdminEnv } from "../../../auth/admin";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { runWrite } from "../../../ledger/idempotency";
import { type PostedEntry, type Refusal, refusalError } from "../../../ledger/posting";
import { AppError } from "../../../lib/errors";
import { auditMeta } from "../audit/record";
import { encodeKeyset, keysetAfter, keysetPage } from "../common";
import type { ApprovalRow } from "../entries/queries";
import { entryToJson } from "../entries/render";
import { adminErrorRenderer } from "../errors";
import { approveEffect, listApprovals, rejectEffect } from "./queries";
import { approvalToJson } from "./render";
import * as routes from "./routes";

type ApprovedBody = { approval: ReturnType<typeof approvalToJson>; entry: ReturnType<typeof entryToJson> };

export const approvalsAdmin = createSurface<AdminEnv>(adminErrorRenderer);

const DECISION_REFUSALS: Record<string, () => AppError> = {
  approval_not_found: () => new AppError("not_found", "Approval request not found"),
  self_approval: () => new AppError("forbidden", "An operator cannot approve their own request"),
  approval_expired: () => new AppError("conflict", "This request expired without approval"),
  approval_decided: () => new AppError("conflict", "This request was already approved or rejected"),
};
const decisionRefused = (refusal: Refusal) => DECISION_REFUSALS[refusal.failure]?.() ?? refusalError(refusal);

approvalsAdmin.openapi(routes.listApprovals, async (c) => {
  const { status, account_id, limit, cursor } = c.req.valid("query");
  const before = keysetAfter(cursor, z.tuple([z.string().max(40), z.uuid()]));
  const rows = await listApprovals(database(c), {
    status,
    accountId: account_id,
    before: before && { position: before[0], id: before[1] },
    limit: limit + 1,
  });
  const { page, next_cursor } = keysetPage(rows, limit, (last) => encodeKeyset([last.position, last.approval.id]));
  return c.json({ approvals: page.map((r) => approvalToJson(r.approval)), next_cursor }, 200);
});

approvalsAdmin.openapi(routes.approveApproval, async (c) => {
  const { id } = c.req.valid("param");
  const { body } = await runWrite<{ approval: ApprovalRow; entry: PostedEntry }, ApprovedBody>(
    database(c),
    null,
    approveEffect(auditMeta(c), id),
    {
      status: 200,
      render: (r) => ({ approval: approvalToJson(r.approval), entry: entryToJson(r.approval.account_id, r.entry) }),
      refused: decisionRefused,
    },
  );
  return c.json(body, 200);
});

approvalsAdmin.openapi(routes.rejectApproval, async (c) => {
  const { id } = c.req.valid("param");
  const { note } = c.req.valid("json");
  const { body } = await runWrite<{ approval: ApprovalRow }, { approval: ReturnType<typeof approvalToJson> }>(
    database(c),
    null,
    rejectEffect(auditMeta(c), id, note),
    { status: 200, render: (r) => ({ approval: approvalToJson(r.approval) }), refused: decisionRefused },
  );
  return c.json(body, 200);
});
