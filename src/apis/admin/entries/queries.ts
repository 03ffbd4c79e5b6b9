// SQL of the entries resource: an account's entries page (the list and the CSV export), and the effect
// of an admin posting (adjustments, imported gateway entries).
import { SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import type { Slot } from "../../../db/prepared";
import { isoUtc } from "../../../db/sql-time";
import { type Effect, prepareWrite } from "../../../ledger/idempotency";
import type { PostingRequest, SystemAccount } from "../../../ledger/posting";
import { type EntryFilter, type EntryRow, entryColumns, filterSql, postingCall } from "../../../ledger/queries";
import type { ParsedAmount } from "../../../lib/money";
import { auditInsert } from "../audit/queries";
import type { AuditMeta, AuditMetaSql } from "../audit/record";

export type AdminEntryRow = EntryRow & {
  balance_after: string;
  transaction_id: number;
  seq: number;
  posted_at: string;
};

/**
 * One account's entries in posting order, newest first, keyset-paged on the gapless `seq` (so each row's
 * balance_after minus its amount is the next row's balance_after); the filters' days are on the effective
 * date. found=false for no account.
 */
export async function listEntries(db: Database, filter: EntryFilter & { beforeSeq?: number }, limit: number) {
  const before = filter.beforeSeq === undefined ? sql`` : sql`AND seq < ${filter.beforeSeq}`;
  const { rows } = await db.execute<{ found: boolean; rows: AdminEntryRow[] }>(sql`
    SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ${filter.accountId}) AS found,
      coalesce((SELECT json_agg(p ORDER BY p.seq DESC) FROM (
        SELECT ${entryColumns}, balance_after::text AS balance_after, transaction_id, seq,
          ${isoUtc(sql`created_at`, "millis")} AS posted_at
        FROM ledger_entries WHERE ${filterSql(filter)} ${before}
        ORDER BY account_id, seq DESC LIMIT ${limit}
      ) p), '[]'::json) AS rows`);
  return rows[0] ?? { found: false, rows: [] };
}

/** An adjustment's counter-leg is the back office's own account; an imported gateway entry is the gateway's. */
const adminCounter = (p: Pick<PostingRequest, "source" | "type">): SystemAccount =>
  p.source === "portal" ? "adjustments:portal" : p.type === "usage" ? "revenue:usage" : "clearing:sms_gateway";

/** Effect of an admin posting (adjustment, imported gateway entry): no overdraft check, no tenant guard. */
export const adminPostingEffect = (
  accountId: string | SQL,
  amount: ParsedAmount | SQL,
  posting: Pick<PostingRequest, "source" | "type" | "description" | "occurredAt" | "metadata">,
): Effect => ({
  result: postingCall({
    accountId,
    amount: amount instanceof SQL ? amount : amount.value,
    counter: adminCounter(posting),
    enforceOverdraft: false,
    ...posting,
  }),
});

/** The audit row of a posting, read from its outcome `p.r` (recorded only when it posted). */
export const postingAudit = (meta: AuditMetaSql, action: string, accountId: string | SQL, extra: SQL = sql``) =>
  auditInsert(
    meta,
    {
      action,
      targetType: "ledger_entry",
      targetId: sql`p.r->>'id'`,
      accountId,
      workspaceId: sql`(SELECT workspace_id FROM accounts WHERE id = ${accountId}::uuid)`,
      after: sql`p.r`,
      amount: sql`p.r->>'amount'`,
      currency: sql`p.r->>'currency'`,
    },
    sql`FROM posted p WHERE p.r IS NOT NULL AND NOT p.r ? 'failure' ${extra}`,
  );

/** The posting effect with its audit row: the outcome is computed once (posted.r) and recorded when it posted. */
export function auditedPosting(effect: Effect, meta: AuditMetaSql, action: string, accountId: string | SQL): Effect {
  return {
    ...effect,
    ctes: sql`${effect.ctes ? sql`${effect.ctes},` : sql``}
      posted AS MATERIALIZED (SELECT (${effect.result})::jsonb AS r),
      posting_audit AS (${postingAudit(meta, action, accountId)})`,
    result: sql`(SELECT r FROM posted)`,
  };
}

export type ApprovalRow = {
  id: string;
  account_id: string;
  workspace_id: string;
  amount: string;
  currency: string;
  description: string;
  status: "pending" | "approved" | "rejected" | "expired";
  requested_by: string;
  requested_by_email: string;
  decided_by: string | null;
  decided_by_email: string | null;
  decided_at: string | null;
  note: string | null;
  entry_id: number | null;
  created_at: string;
  expires_at: string;
};

/** An approvals row as JSON (status read as expired once its time has passed), for statements over alias `x`. */
export const approvalJson = (x: string) =>
  sql.raw(`jsonb_build_object('id', ${x}.id, 'account_id', ${x}.account_id, 'workspace_id', ${x}.workspace_id,
    'amount', ${x}.amount::text, 'currency', ${x}.currency, 'description', ${x}.description,
    'status', CASE WHEN ${x}.status = 'pending' AND ${x}.expires_at <= now() THEN 'expired' ELSE ${x}.status END,
    'requested_by', ${x}.requested_by, 'requested_by_email', ${x}.requested_by_email,
    'decided_by', ${x}.decided_by, 'decided_by_email', ${x}.decided_by_email,
    'decided_at', to_char(${x}.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'note', ${x}.note, 'entry_id', ${x}.entry_id,
    'created_at', to_char(${x}.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'expires_at', to_char(${x}.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`);

/**
 * A named operator's adjustment: posted at once below the account currency's threshold; at or above it,
 * an approval request (with its audit row) instead, answered as {"approval": …}. One statement; the
 * request is made only when the idempotency claim opened the key, like a posting.
 */
function adjustmentOrApproval(
  meta: AuditMetaSql,
  accountId: SQL,
  amount: { value: SQL; decimals: SQL },
  description: SQL,
  limits: SQL,
  posting: Effect,
): Effect {
  return {
    ctes: sql`${posting.ctes ? sql`${posting.ctes},` : sql``}
      acct AS (
        SELECT id, workspace_id, currency,
          abs(${amount.value}) >= coalesce((${limits} ->> currency)::numeric, (${limits} ->> '*')::numeric)
            AS needs_approval,
          coalesce((SELECT minor_units FROM currencies WHERE code = accounts.currency), 2) AS minor_units
        FROM accounts WHERE id = ${accountId}
      ),
      requested AS (
        INSERT INTO approvals (account_id, workspace_id, amount, currency, description, requested_by, requested_by_email)
        SELECT id, workspace_id, ${amount.value}, currency, ${description}, ${meta.actorId}, ${meta.actorEmail}
        FROM acct WHERE needs_approval AND minor_units >= ${amount.decimals} AND idempotency_open()
        RETURNING *
      ),
      request_audit AS (${auditInsert(
        meta,
        {
          action: "approval.request",
          targetType: "approval",
          targetId: sql`r.id`,
          workspaceId: sql`r.workspace_id`,
          accountId: sql`r.account_id`,
          after: sql`jsonb_build_object('status', r.status, 'description', r.description)`,
          amount: sql`r.amount`,
          currency: sql`r.currency`,
        },
        sql`FROM requested r`,
      )}),
      posted AS MATERIALIZED (
        SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM acct WHERE needs_approval) THEN (${posting.result})::jsonb END AS r
      ),
      posting_audit AS (${postingAudit(meta, "adjustment.post", accountId)})`,
    result: sql`CASE
      WHEN EXISTS (SELECT 1 FROM requested) THEN (SELECT jsonb_build_object('approval', ${approvalJson("r")}) FROM requested r)
      WHEN EXISTS (SELECT 1 FROM acct WHERE needs_approval AND minor_units < ${amount.decimals})
        THEN (SELECT jsonb_build_object('failure', 'currency_precision', 'currency', currency, 'minor_units', minor_units)
              FROM acct)
      ELSE (SELECT r FROM posted) END`,
  };
}

type AdjustmentSlot = "accountId" | "amount" | "description" | "metadata" | keyof AuditMeta;
type OperatorAdjustmentSlot = AdjustmentSlot | "decimals" | "thresholds";

/** An adjustment's posting and its actor, every request value a slot. */
const adjustmentSlots = (slot: Slot<AdjustmentSlot>) => {
  const accountId = sql`${slot("accountId")}::uuid`;
  return {
    accountId,
    posting: adminPostingEffect(accountId, sql`${slot("amount")}::numeric`, {
      source: "portal",
      type: "adjustment",
      description: sql`${slot("description")}::text`,
      metadata: sql`${slot("metadata")}::jsonb`,
    }),
    meta: {
      actorId: sql`${slot("actorId")}::uuid`,
      actorEmail: sql`${slot("actorEmail")}::text`,
      requestId: sql`${slot("requestId")}::text`,
      clientIp: sql`${slot("clientIp")}::text`,
    },
  };
};

/**
 * The adjustment's two statements, compiled once per isolate (prepareWrite): the bootstrap token's (set-up,
 * break-glass), posted at once with its audit row, and a named operator's, under four eyes.
 */
export const bootstrapAdjustment = prepareWrite<AdjustmentSlot>((slot) => {
  const s = adjustmentSlots(slot);
  return auditedPosting(s.posting, s.meta, "adjustment.post", s.accountId);
});
export const operatorAdjustment = prepareWrite<OperatorAdjustmentSlot>((slot) => {
  const s = adjustmentSlots(slot);
  const amount = { value: sql`${slot("amount")}::numeric`, decimals: sql`${slot("decimals")}::int` };
  const limits = sql`${slot("thresholds")}::jsonb`;
  return adjustmentOrApproval(s.meta, s.accountId, amount, sql`${slot("description")}::text`, limits, s.posting);
});
