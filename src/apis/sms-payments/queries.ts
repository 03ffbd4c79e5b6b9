// SMS payment statements. Each one re-checks, in the same statement, that the member's token_version
// is still the token's (`member_ok`): a token revoked a moment ago reads and writes nothing, even while
// the edge's KV copy of the version has not caught up yet.
import { type SQL, sql } from "drizzle-orm";
import type { MemberPrincipal } from "../../auth/workspace-tokens";
import type { Database } from "../../db/client";
import { isoUtc } from "../../db/sql-time";
import type { Executor } from "../../ledger/idempotency";
import { toJsonNumber } from "../../lib/money";
import type { SmsPaymentJson } from "./schemas";

export type PaymentRow = {
  id: string;
  workspace_id: string;
  amount: string;
  payment_method: SmsPaymentJson["paymentMethod"];
  description: string | null;
  notes: string | null;
  payment_date: string | null;
  receipt_path: string | null;
  receipt_size_bytes: number | null;
  created_at: string;
  updated_at: string;
};

const iso = (column: SQL) => isoUtc(column, "millis");

const paymentColumns = sql`id, workspace_id, amount::text AS amount, payment_method, description, notes,
  ${iso(sql`payment_date`)} AS payment_date, receipt_path, receipt_size_bytes,
  ${iso(sql`created_at`)} AS created_at, ${iso(sql`updated_at`)} AS updated_at`;

/** What the statements re-check of a member: the token (or link) version against the database's. */
type MemberVersion = Pick<MemberPrincipal, "id" | "workspaceId" | "tokenVersion">;

const activeMember = (m: MemberVersion) => sql`
  SELECT id FROM workspace_members
  WHERE id = ${m.id} AND workspace_id = ${m.workspaceId} AND token_version = ${m.tokenVersion}`;

/** SQL boolean: the member's token is still current (not revoked by a version bump). */
export const memberStillActive = (m: MemberPrincipal) => sql`EXISTS (${activeMember(m)})`;

/** The workspace's SMS account: its oldest account that is not suspended. */
export async function smsAccountOf(db: Database, workspaceId: string) {
  const { rows } = await db.execute<{ id: string; currency: string }>(sql`
    SELECT id, currency FROM accounts WHERE workspace_id = ${workspaceId} AND status <> 'suspended'
    ORDER BY created_at, id LIMIT 1`);
  return rows[0];
}

/** Newest first (created_at desc, id desc), deleted payments excluded, with the total. */
export async function listPayments(db: Database, member: MemberPrincipal, limit: number, offset: number) {
  const ws = member.workspaceId;
  const visible = sql`workspace_id = ${ws} AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM m)`;
  const { rows } = await db.execute<{ member_ok: boolean; total: number; payments: PaymentRow[] }>(sql`
    WITH m AS MATERIALIZED (${activeMember(member)})
    SELECT EXISTS (SELECT 1 FROM m) AS member_ok,
      (SELECT count(*)::int FROM sms_payments WHERE ${visible}) AS total,
      (SELECT coalesce(json_agg(p ORDER BY p.sort_at DESC, p.id DESC), '[]'::json) FROM (
        SELECT created_at AS sort_at, ${paymentColumns} FROM sms_payments WHERE ${visible}
        ORDER BY sms_payments.created_at DESC NULLS LAST, sms_payments.id DESC NULLS LAST LIMIT ${limit} OFFSET ${offset}
      ) p) AS payments`);
  return rows[0] ?? { member_ok: false, total: 0, payments: [] };
}

export type NewPayment = {
  id: string;
  accountId: string;
  amount: string;
  paymentMethod: string;
  description: string | null;
  notes: string | null;
  paymentDate: Date | null;
  receipt: { path: string; size: number; contentType: string } | null;
  ledgerEntryId: number;
};

/** Inserts the payment only while the member's token is current; undefined otherwise. */
export async function insertPayment(tx: Executor, member: MemberPrincipal, p: NewPayment) {
  const { rows } = await tx.execute<PaymentRow>(sql`
    INSERT INTO sms_payments (id, workspace_id, account_id, amount, payment_method, description, notes, payment_date,
      receipt_path, receipt_size_bytes, receipt_content_type, created_by, ledger_entry_id)
    SELECT ${p.id}, ${member.workspaceId}, ${p.accountId}, ${p.amount}::numeric, ${p.paymentMethod}, ${p.description},
      ${p.notes}, ${p.paymentDate?.toISOString() ?? null}::timestamptz, ${p.receipt?.path ?? null},
      ${p.receipt?.size ?? null}::int, ${p.receipt?.contentType ?? null}, m.id, ${p.ledgerEntryId}
    FROM (${activeMember(member)}) m
    RETURNING ${paymentColumns}`);
  return rows[0];
}

/**
 * Marks the payment deleted (once: a deleted payment no longer matches) and returns what the reversal
 * needs. The row lock taken here makes a concurrent second delete wait, then find nothing.
 */
export async function markDeleted(tx: Executor, member: MemberPrincipal, id: string) {
  const { rows } = await tx.execute<{ member_ok: boolean; account_id: string | null; amount: string | null }>(sql`
    WITH m AS MATERIALIZED (${activeMember(member)}),
    d AS (
      UPDATE sms_payments SET deleted_at = now(), updated_at = now()
      WHERE id = ${id} AND workspace_id = ${member.workspaceId} AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM m)
      RETURNING account_id, amount::text AS amount
    )
    SELECT EXISTS (SELECT 1 FROM m) AS member_ok, d.account_id, d.amount FROM (SELECT 1) one LEFT JOIN d ON true`);
  return rows[0] ?? { member_ok: false, account_id: null, amount: null };
}

export async function setReversalEntry(tx: Executor, id: string, entryId: number) {
  await tx.execute(sql`UPDATE sms_payments SET reversal_entry_id = ${entryId} WHERE id = ${id}`);
}

/** The receipt of a visible payment; `receipt` null when the payment or its receipt does not exist. */
export async function findReceipt(db: Database, member: MemberVersion, id: string) {
  const { rows } = await db.execute<{
    member_ok: boolean;
    receipt: { path: string; content_type: string; size_bytes: number } | null;
  }>(sql`
    WITH m AS MATERIALIZED (${activeMember(member)})
    SELECT EXISTS (SELECT 1 FROM m) AS member_ok,
      (SELECT json_build_object('path', receipt_path, 'content_type', receipt_content_type,
                                'size_bytes', receipt_size_bytes)
       FROM sms_payments
       WHERE id = ${id} AND workspace_id = ${member.workspaceId} AND deleted_at IS NULL
         AND receipt_path IS NOT NULL AND EXISTS (SELECT 1 FROM m)) AS receipt`);
  return rows[0] ?? { member_ok: false, receipt: null };
}

export const receiptUrl = (origin: string, workspaceId: string, id: string) =>
  `${origin}/api/v1/workspace/${workspaceId}/sms/payments/${id}/receipt`;

export function paymentToJson(row: PaymentRow, origin: string): SmsPaymentJson {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    amount: toJsonNumber(row.amount),
    paymentMethod: row.payment_method,
    description: row.description,
    notes: row.notes,
    paymentDate: row.payment_date,
    receiptImage:
      row.receipt_path === null
        ? null
        : {
            url: receiptUrl(origin, row.workspace_id, row.id),
            path: row.receipt_path,
            sizeBytes: row.receipt_size_bytes ?? 0,
          },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
