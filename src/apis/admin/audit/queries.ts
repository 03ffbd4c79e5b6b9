// SQL of the audit resource: the trail, newest first on (occurred_at, id), filtered.
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { iso, micros } from "../sql-helpers";

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
