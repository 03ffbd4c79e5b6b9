// Who performs an admin action, read from its request: what the audit row (auditInsert, queries.ts)
// records beside the action's own effect.
import type { SQL } from "drizzle-orm";
import type { Context } from "hono";
import type { AdminEnv } from "../../../auth/admin";

/** Who acts, from where, in which request. */
export type AuditMeta = { actorId: string | null; actorEmail: string; requestId: string; clientIp: string | null };

/** The same, where a statement prepared once per isolate takes each value as a slot (src/db/prepared.ts). */
export type AuditMetaSql = { [K in keyof AuditMeta]: AuditMeta[K] | SQL };

export const auditMeta = (c: Context<AdminEnv>): AuditMeta => {
  const actor = c.get("actor");
  return {
    actorId: actor.id,
    actorEmail: actor.email,
    requestId: c.get("requestId"),
    clientIp: c.req.header("cf-connecting-ip") ?? c.req.header("x-real-ip") ?? null,
  };
};
