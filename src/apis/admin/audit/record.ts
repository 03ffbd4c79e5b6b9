// The audit row of an admin action, as SQL placed in the action's own statement (a CTE) or batch, so
// the effect and its record commit together in one database round trip.
import { SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import type { AdminEnv } from "../../../auth/admin";

/** Who acts, from where, in which request. */
export type AuditMeta = { actorId: string | null; actorEmail: string; requestId: string; clientIp: string | null };

export const auditMeta = (c: Context<AdminEnv>): AuditMeta => {
  const actor = c.get("actor");
  return {
    actorId: actor.id,
    actorEmail: actor.email,
    requestId: c.get("requestId"),
    clientIp: c.req.header("cf-connecting-ip") ?? c.req.header("x-real-ip") ?? null,
  };
};

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
export function auditInsert(meta: AuditMeta, fact: AuditFact, from: SQL = sql``): SQL {
  return sql`INSERT INTO audit_events (actor_id, actor_email, action, target_type, target_id, workspace_id,
      account_id, before, after, amount, currency, request_id, client_ip)
    SELECT ${typed(meta.actorId, "uuid")}, ${meta.actorEmail}::text, ${fact.action}::text, ${fact.targetType}::text,
      ${typed(fact.targetId, "text")}, ${typed(fact.workspaceId, "uuid")}, ${typed(fact.accountId, "uuid")},
      ${json(fact.before)}, ${json(fact.after)}, ${typed(fact.amount, "numeric")}, ${typed(fact.currency, "text")},
      ${meta.requestId}::text, ${typed(meta.clientIp, "text")}
    ${from}`;
}
