// SMS payment statements. Each one re-checks, in the same statement, that the member's token_version
// is still the token's (`member_ok`): a token revoked a moment ago reads and writes nothing, even while
// the edge's KV copy of the version has not caught up yet.
import { type Placeholder, type SQL, sql } from "drizzle-orm";
import type { MemberPrincipal } from "../../auth/workspace-tokens";
import type { Database } from "../../db/client";
import { counterRows } from "../../db/list-counts";
import { offsetPageKeys, offsetPlan } from "../../db/paging";
import { executeBound, prepared } from "../../db/prepared";
import { JSON_HOLE, jsonArrayText, readWireJson, wireJson } from "../../db/rendered-json";
import { isoUtc } from "../../db/sql-time";
import type { Effect } from "../../ledger/idempotency";
import { postingCall } from "../../ledger/queries";
import { type ParsedAmount, toJsonNumber } from "../../lib/money";
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

/** SELECT list producing a PaymentRow from sms_payments. */
export const paymentColumns = sql`id, workspace_id, amount::text AS amount, payment_method, description, notes,
  ${iso(sql`payment_date`)} AS payment_date, receipt_path, receipt_size_bytes,
  ${iso(sql`created_at`)} AS created_at, ${iso(sql`updated_at`)} AS updated_at`;

/** What the statements re-check of a member: the token (or link) version against the database's. */
type MemberVersion = Pick<MemberPrincipal, "id" | "workspaceId" | "tokenVersion">;
/** The same, as slots of a statement prepared once (src/db/prepared.ts). */
type MemberSlots = { id: Placeholder; workspaceId: Placeholder; tokenVersion: Placeholder };

const activeMember = (m: MemberVersion | MemberSlots) => sql`
  SELECT id FROM workspace_members
  WHERE id = ${m.id} AND workspace_id = ${m.workspaceId} AND token_version = ${m.tokenVersion}`;

/** SQL boolean: the member's token is still current (not revoked by a version bump). */
export const memberStillActive = (m: MemberVersion | MemberSlots) => sql`EXISTS (${activeMember(m)})`;

/** A page of the workspace's payments: `SmsPayment[]` as JSON text, with a hole for each receipt's link. */
export type PaymentsPageText = {
  member_ok: boolean;
  total: number;
  /** The number of payments on the page. */
  count: number;
  /** `SmsPayment[]` as JSON text, rendered by PostgreSQL; each `receiptImage.url` is a hole (src/db/rendered-json.ts). */
  payments: string;
  /** The holes' receipt object keys, in order: the worker signs a link to each. */
  receipts: string[];
};

type ListSlot = "ws" | "memberId" | "tokenVersion" | "limit" | "offset";

const listStatement = prepared<ListSlot>((slot) => {
  const ws = slot("ws");
  const keys = offsetPageKeys(
    {
      select: sql`SELECT id FROM sms_payments WHERE workspace_id = ${ws} AND deleted_at IS NULL`,
      newestFirst: sql`sms_payments.created_at DESC NULLS LAST, sms_payments.id DESC NULLS LAST`,
      oldestFirst: sql`sms_payments.created_at ASC NULLS FIRST, sms_payments.id ASC NULLS FIRST`,
    },
    slot("limit"),
  );
  const member = { id: slot("memberId"), workspaceId: ws, tokenVersion: slot("tokenVersion") };
  return sql`
    WITH head AS MATERIALIZED (
      SELECT ${memberStillActive(member)} AS member_ok,
        (SELECT coalesce(sum(n), 0)::int ${counterRows("sms_payments", ws)}) AS total),
    plan AS MATERIALIZED (${offsetPlan(sql`(SELECT CASE WHEN member_ok THEN total ELSE 0 END FROM head)`, slot("offset"), slot("limit"))})
    SELECT head.member_ok, head.total, body.count, body.payments, body.receipts
    FROM head CROSS JOIN LATERAL (
      SELECT count(*)::int AS count,
        ${wireJson(jsonArrayText(sql`s.created_at DESC, s.id DESC`))} AS payments,
        coalesce(json_agg(s.receipt_path ORDER BY s.created_at DESC, s.id DESC) FILTER (WHERE s.receipt_path IS NOT NULL), '[]') AS receipts
      FROM sms_payments s JOIN (${keys}) page (page_id) ON s.id = page.page_id
      CROSS JOIN LATERAL (
        SELECT s.id, s.workspace_id AS "workspaceId", trim_scale(s.amount) AS amount, s.payment_method AS "paymentMethod",
          s.description, s.notes, ${iso(sql`s.payment_date`)} AS "paymentDate",
          CASE WHEN s.receipt_path IS NOT NULL THEN (SELECT row_to_json(r) FROM (
            SELECT ${JSON_HOLE} AS url, s.receipt_path AS path, coalesce(s.receipt_size_bytes, 0) AS "sizeBytes") r)
          END AS "receiptImage",
          ${iso(sql`s.created_at`)} AS "createdAt", ${iso(sql`s.updated_at`)} AS "updatedAt"
      ) j
    ) body`;
});

/**
 * Newest first (created_at desc, id desc), deleted payments excluded, with the total (the workspace's
 * counter), in one statement; deep offsets read from the far end. The page is rendered here in
 * SmsPayment's exact shape and key order (`trim_scale`: numeric 500.0000 renders as the JSON number 500,
 * as JavaScript's Number would), except the receipt links, which are signed with a secret the database
 * never sees. The statement is compiled once per isolate.
 */
export async function listPayments(
  db: Database,
  member: MemberPrincipal,
  limit: number,
  offset: number,
): Promise<PaymentsPageText> {
  const statement = listStatement({
    ws: member.workspaceId,
    memberId: member.id,
    tokenVersion: member.tokenVersion,
    limit,
    offset,
  });
  const { rows } = await executeBound<PaymentsPageText>(db, statement);
  const row = rows[0];
  return row
    ? { ...row, payments: readWireJson(row.payments) }
    : { member_ok: false, total: 0, count: 0, payments: "[]", receipts: [] };
}

export type NewPayment = {
  id: string;
  amount: ParsedAmount;
  paymentMethod: string;
  description: string | null;
  notes: string | null;
  paymentDate: Date | null;
  receipt: { path: string; size: number; contentType: string } | null;
};

/**
 * Effect recording a payment: while the member's token is current, credits the workspace's SMS account
 * and inserts the payment pointing at that entry. The SMS account is the oldest account that is not
 * suspended in the workspace's SMS currency, the currency of its oldest account (suspended or not): a
 * payment never lands in another currency. Refuses "member_revoked", "no_account" (no such account),
 * or with the posting's own refusal (e.g. currency precision).
 */
export function recordPaymentEffect(member: MemberPrincipal, p: NewPayment): Effect {
  const posting = postingCall({
    accountId: sql`acct.id`,
    workspaceId: member.workspaceId,
    amount: p.amount.value,
    counter: "clearing:manual",
    source: "portal",
    type: "deposit",
    description: `SMS payment ${p.id} (${p.paymentMethod})`,
    externalRef: p.id,
    metadata: { sms_payment_id: p.id },
    enforceOverdraft: false,
    requireNotSuspended: true,
  });
  return {
    ctes: sql`m AS MATERIALIZED (${activeMember(member)}),
    acct AS MATERIALIZED (
      SELECT id FROM accounts
      WHERE workspace_id = ${member.workspaceId} AND status <> 'suspended' AND EXISTS (SELECT 1 FROM m)
        AND idempotency_open()
        AND currency = (
          SELECT currency FROM accounts WHERE workspace_id = ${member.workspaceId} ORDER BY created_at, id LIMIT 1)
      ORDER BY created_at, id LIMIT 1
    ),
    posted AS MATERIALIZED (SELECT ${posting} AS r FROM acct),
    ins AS (
      INSERT INTO sms_payments (id, workspace_id, account_id, amount, payment_method, description, notes, payment_date,
        receipt_path, receipt_size_bytes, receipt_content_type, created_by, ledger_entry_id)
      SELECT ${p.id}, ${member.workspaceId}, acct.id, ${p.amount.value}::numeric, ${p.paymentMethod}, ${p.description},
        ${p.notes}, ${p.paymentDate?.toISOString() ?? null}::timestamptz, ${p.receipt?.path ?? null},
        ${p.receipt?.size ?? null}::int, ${p.receipt?.contentType ?? null}, m.id, (posted.r->>'id')::bigint
      FROM acct, m, posted WHERE NOT posted.r ? 'failure'
      RETURNING ${paymentColumns}
    )`,
    result: sql`CASE
      WHEN NOT EXISTS (SELECT 1 FROM m) THEN '{"failure":"member_revoked"}'::jsonb
      WHEN NOT EXISTS (SELECT 1 FROM acct) THEN '{"failure":"no_account"}'::jsonb
      WHEN (SELECT r ? 'failure' FROM posted) THEN (SELECT r FROM posted)
      ELSE (SELECT to_jsonb(ins) FROM ins) END`,
  };
}

/**
 * Effect deleting a payment: locks it (a concurrent second delete waits, then finds it deleted), posts
 * its reversal and marks it deleted with the reversal's entry. Refuses "member_revoked" or "not_found".
 */
export function deletePaymentEffect(member: MemberPrincipal, id: string): Effect {
  const reversal = postingCall({
    accountId: sql`d.account_id`,
    workspaceId: member.workspaceId,
    amount: sql`-d.amount`,
    counter: "clearing:manual",
    source: "portal",
    type: "reversal",
    description: `Reversal of SMS payment ${id}`,
    externalRef: id,
    metadata: { sms_payment_id: id },
    enforceOverdraft: false,
  });
  return {
    ctes: sql`m AS MATERIALIZED (${activeMember(member)}),
    d AS MATERIALIZED (
      SELECT id, account_id, amount FROM sms_payments
      WHERE id = ${id} AND workspace_id = ${member.workspaceId} AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM m)
      FOR UPDATE
    ),
    rev AS MATERIALIZED (SELECT ${reversal} AS r FROM d),
    marked AS (
      UPDATE sms_payments s SET deleted_at = now(), updated_at = now(), reversal_entry_id = (rev.r->>'id')::bigint
      FROM d, rev WHERE s.id = d.id AND NOT rev.r ? 'failure'
      RETURNING s.id
    )`,
    result: sql`CASE
      WHEN NOT EXISTS (SELECT 1 FROM m) THEN '{"failure":"member_revoked"}'::jsonb
      WHEN NOT EXISTS (SELECT 1 FROM marked) THEN coalesce((SELECT r FROM rev), '{"failure":"not_found"}'::jsonb)
      ELSE jsonb_build_object('deleted', (SELECT id FROM marked)) END`,
  };
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
