// SQL of the audit resource: the trail, newest first on (occurred_at, id), filtered; and the audit row of
// an admin action, placed in the action's own statement (a CTE) or batch, so the effect and its record
// commit together in one database round trip.
import { SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { iso, micros } from "../sql-helpers";
import type { AuditMetaSql } from "./record";

export type AuditFilter = {
  actorId?: string;
  actorEmail?: string;
  action?: string;
  target?: string;
  workspaceId?: string;
  accountId?: string;
  from?: Date;
  to?: Date;
  before?: { position: string; id: number };
};

export type AuditEventRow = {
  id: number;
  occurred_at: string;
  actor_id: string | null;
  actor_email: string;
  action: string;
  target_type: string;
  target_id: string;
  workspace_id: string | null;
  account_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  amount: string | null;
  currency: string | null;
  request_id: string | null;
  client_ip: string | null;
  position: string;
};

export async function listAuditEvents(db: Database, f: AuditFilter, limit: number) {
  const where: SQL[] = [sql`true`];
  if (f.actorId) where.push(sql`e.actor_id = ${f.actorId}::uuid`);
  if (f.actorEmail) where.push(sql`e.actor_email = ${f.actorEmail}`);
  if (f.actorEmail === "bootstrap") where.push(sql`e.actor_id IS NULL`);
  if (f.action) where.push(sql`e.action = ${f.action}`);
  if (f.target) where.push(sql`e.target_id = ${f.target}`);
  if (f.workspaceId) where.push(sql`e.workspace_id = ${f.workspaceId}::uuid`);
  if (f.accountId) where.push(sql`e.account_id = ${f.accountId}::uuid`);
  if (f.from) where.push(sql`e.occurred_at >= ${f.from.toISOString()}::timestamptz`);
  if (f.to) where.push(sql`e.occurred_at < ${f.to.toISOString()}::timestamptz`);
  if (f.before) {
    where.push(sql`(e.occurred_at, e.id) < (${f.before.position}::timestamptz, ${f.before.id}::bigint)`);
  }
  const { rows } = await db.execute<AuditEventRow>(sql`
    SELECT e.id::int AS id, ${iso("e.occurred_at")} AS occurred_at, e.actor_id::text AS actor_id, e.actor_email,
      e.action, e.target_type, e.target_id, e.workspace_id::text AS workspace_id, e.account_id::text AS account_id,
      e.before, e.after, e.amount::text AS amount, e.currency, e.request_id, e.client_ip,
      ${micros("e.occurred_at")} AS position
    FROM audit_events e WHERE ${sql.join(where, sql` AND `)}
    ORDER BY e.occurred_at DESC, e.id DESC LIMIT ${limit}`);
  return rows;
}

// ---- The audit row of an action ----

type Value = string | number | null | undefined | SQL;

/** What changed: a value, or a SQL expression over the statement's FROM (e.g. `k.id`). */
export type AuditFact = {
  action: string;
  targetType: string;
  targetId: Value;
  workspaceId?: Value;
  accountId?: Value;
  /** JSON-able values or jsonb SQL expressions. */
  before?: unknown;
  after?: unknown;
  amount?: Value;
  currency?: Value;
};

const typed = (v: Value, cast: string) =>
  v instanceof SQL
    ? sql`(${v})::${sql.raw(cast)}`
    : v === undefined || v === null
      ? sql.raw(`NULL::${cast}`)
      : sql`${String(v)}::${sql.raw(cast)}`;

const json = (v: unknown) =>
  v instanceof SQL ? sql`(${v})::jsonb` : v === undefined ? sql`NULL::jsonb` : sql`${JSON.stringify(v)}::jsonb`;

/**
 * `INSERT INTO audit_events … SELECT <the fact> <from>`: `from` names the rows that changed (e.g.
 * `FROM revoked k`), so nothing is recorded when nothing changed. Without it, one row.
 */
export function auditInsert(meta: AuditMetaSql, fact: AuditFact, from: SQL = sql``): SQL {
  return sql`INSERT INTO audit_events (actor_id, actor_email, action, target_type, target_id, workspace_id,
      account_id, before, after, amount, currency, request_id, client_ip)
    SELECT ${typed(meta.actorId, "uuid")}, ${meta.actorEmail}::text, ${fact.action}::text, ${fact.targetType}::text,
      ${typed(fact.targetId, "text")}, ${typed(fact.workspaceId, "uuid")}, ${typed(fact.accountId, "uuid")},
      ${json(fact.before)}, ${json(fact.after)}, ${typed(fact.amount, "numeric")}, ${typed(fact.currency, "text")},
      ${meta.requestId}::text, ${typed(meta.clientIp, "text")}
    ${from}`;
}
