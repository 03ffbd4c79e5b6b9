// SQL of the approvals resource: the list, and approve / reject, each exactly once whatever the races:
// the request's row is locked and re-checked (pending, not expired, not the requester's own) before
// anything posts, so of 20 concurrent approvals one posts and the others find it decided.
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import type { Effect } from "../../../ledger/idempotency";
import { auditInsert } from "../audit/queries";
import type { AuditMeta } from "../audit/record";
import { type ApprovalRow, adminPostingEffect, approvalJson, postingAudit } from "../entries/queries";

/** Approvals newest first, keyset-paged on (created_at, id), filtered by status and account. */
export async function listApprovals(
  db: Database,
  opts: { status?: string; accountId?: string; before?: { position: string; id: string }; limit: number },
) {
  const where: SQL[] = [sql`true`];
  if (opts.status === "pending") where.push(sql`x.status = 'pending' AND x.expires_at > now()`);
  // Expired: marked by the scheduled job, or past its time and not marked yet.
  else if (opts.status === "expired")
    where.push(sql`(x.status = 'expired' OR (x.status = 'pending' AND x.expires_at <= now()))`);
  else if (opts.status) where.push(sql`x.status = ${opts.status}`);
  if (opts.accountId) where.push(sql`x.account_id = ${opts.accountId}::uuid`);
  if (opts.before) {
    where.push(sql`(x.created_at, x.id) < (${opts.before.position}::timestamptz, ${opts.before.id}::uuid)`);
  }
  const { rows } = await db.execute<{ approval: ApprovalRow; position: string }>(sql`
    SELECT ${approvalJson("x")} AS approval,
      to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position
    FROM approvals x WHERE ${sql.join(where, sql` AND `)}
    ORDER BY x.created_at DESC, x.id DESC LIMIT ${opts.limit}`);
  return rows;
}

/** The audit row of a decision on a pending request, over the CTE `decided` (the rows it changed). */
const decisionAudit = (meta: AuditMeta, action: string, after: SQL) =>
  auditInsert(
    meta,
    {
      action,
      targetType: "approval",
      targetId: sql`d.id`,
      workspaceId: sql`d.workspace_id`,
      accountId: sql`d.account_id`,
      before: sql`jsonb_build_object('status', 'pending')`,
      after,
      amount: sql`d.amount`,
      currency: sql`d.currency`,
    },
    sql`FROM decided d`,
  );

/** Why an approve or reject changed nothing, from the row as the statement found it. */
const whyNot = (approvalId: string, actorId: string | null, checkSelf: boolean) => sql`(
  SELECT CASE
    WHEN NOT EXISTS (SELECT 1 FROM approvals WHERE id = ${approvalId}) THEN '{"failure":"approval_not_found"}'::jsonb
    WHEN ${checkSelf}::boolean AND (SELECT requested_by FROM approvals WHERE id = ${approvalId}) = ${actorId}::uuid
      THEN '{"failure":"self_approval"}'::jsonb
    WHEN (SELECT status = 'expired' OR (status = 'pending' AND expires_at <= now()) FROM approvals WHERE id = ${approvalId})
      THEN '{"failure":"approval_expired"}'::jsonb
    ELSE '{"failure":"approval_decided"}'::jsonb END)`;

/**
 * Approves and posts the adjustment, once: answers {"approval", "entry"}, or a refusal (not found, own
 * request, expired, already decided, or the posting's own).
 */
export function approveEffect(meta: AuditMeta, approvalId: string): Effect {
  const posting = adminPostingEffect(sql`cur.account_id`, sql`cur.amount`, {
    source: "portal",
    type: "adjustment",
    description: sql`cur.description`,
    metadata: sql`jsonb_build_object('actor', jsonb_build_object('id', cur.requested_by, 'email', cur.requested_by_email),
      'approved_by', jsonb_build_object('id', ${meta.actorId}::uuid, 'email', ${meta.actorEmail}::text),
      'approval_id', cur.id)`,
  });
  return {
    ctes: sql`${posting.ctes ? sql`${posting.ctes},` : sql``}
      cur AS (
        SELECT * FROM approvals WHERE id = ${approvalId} AND status = 'pending' AND expires_at > now()
          AND requested_by IS DISTINCT FROM ${meta.actorId}::uuid
        FOR UPDATE
      ),
      posted AS MATERIALIZED (SELECT cur.id, (${posting.result})::jsonb AS r FROM cur),
      decided AS (
        UPDATE approvals x SET status = 'approved', decided_by = ${meta.actorId}::uuid,
          decided_by_email = ${meta.actorEmail}, decided_at = now(), entry_id = (p.r->>'id')::bigint
        FROM posted p WHERE x.id = p.id AND NOT p.r ? 'failure'
        RETURNING x.*
      ),
      decision_audit AS (${decisionAudit(meta, "approval.approve", sql`jsonb_build_object('status', d.status, 'entry_id', d.entry_id)`)}),
      posting_audit AS (${postingAudit(meta, "adjustment.post", sql`(SELECT account_id FROM cur)`)})`,
    result: sql`CASE
      WHEN EXISTS (SELECT 1 FROM decided)
        THEN (SELECT jsonb_build_object('approval', ${approvalJson("d")}, 'entry', (SELECT r FROM posted)) FROM decided d)
      WHEN EXISTS (SELECT 1 FROM posted) THEN (SELECT r FROM posted)
      ELSE ${whyNot(approvalId, meta.actorId, true)} END`,
  };
}

/** Rejects a pending request (posting nothing): answers {"approval"}, or why not. */
export function rejectEffect(meta: AuditMeta, approvalId: string, note: string | undefined): Effect {
  return {
    ctes: sql`
      cur AS (
        SELECT id FROM approvals WHERE id = ${approvalId} AND status = 'pending' AND expires_at > now() FOR UPDATE
      ),
      decided AS (
        UPDATE approvals x SET status = 'rejected', decided_by = ${meta.actorId}::uuid,
          decided_by_email = ${meta.actorEmail}, decided_at = now(), note = ${note ?? null}::text
        FROM cur WHERE x.id = cur.id
        RETURNING x.*
      ),
      decision_audit AS (${decisionAudit(meta, "approval.reject", sql`jsonb_build_object('status', d.status, 'note', d.note)`)})`,
    result: sql`CASE
      WHEN EXISTS (SELECT 1 FROM decided) THEN (SELECT jsonb_build_object('approval', ${approvalJson("d")}) FROM decided d)
      ELSE ${whyNot(approvalId, meta.actorId, false)} END`,
  };
}

/**
 * The scheduled job: marks pending requests past their time as expired, each with its audit row by the
 * actor `system`, a bounded batch per run. Reads treat them as expired before this runs too; the mark
 * puts the expiry in the audit trail, where an auditor looks for what happened to a request.
 */
export async function expireApprovals(db: Database, runId: string, batch = 100): Promise<number> {
  const system: AuditMeta = { actorId: null, actorEmail: "system", requestId: runId, clientIp: null };
  const { rows } = await db.execute<{ n: number }>(sql`
    WITH due AS (
      SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= now()
      ORDER BY expires_at LIMIT ${batch} FOR UPDATE SKIP LOCKED
    ),
    decided AS (
      UPDATE approvals x SET status = 'expired', decided_at = x.expires_at FROM due WHERE x.id = due.id
      RETURNING x.*
    ),
    expiry_audit AS (${decisionAudit(system, "approval.expire", sql`jsonb_build_object('status', 'expired')`)})
    SELECT count(*)::int AS n FROM decided`);
  return rows[0]?.n ?? 0;
}
