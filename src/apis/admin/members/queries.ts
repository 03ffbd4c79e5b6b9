// SQL of the members resource: a workspace's members (keyset page), create, find, and the token version
// that revokes every token. Workspace-scoped calls put the tenant check in the WHERE.
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { workspaceMembers } from "../../../db/schema";
import { FOREIGN_KEY_VIOLATION, pgErrorOf, UNIQUE_VIOLATION } from "../../../lib/errors";
import { iso } from "../sql-helpers";

/** The new member, or why not: no such workspace, or the email is taken in it. */
export async function insertMember(db: Database, member: typeof workspaceMembers.$inferInsert) {
  const rows = await db
    .insert(workspaceMembers)
    .values(member)
    .returning()
    .catch((err) => {
      const code = pgErrorOf(err)?.code;
      if (code === FOREIGN_KEY_VIOLATION) return "no_workspace" as const;
      if (code === UNIQUE_VIOLATION) return "email_taken" as const;
      throw err;
    });
  if (typeof rows === "string") return rows;
  if (!rows[0]) throw new Error("insert returned no row");
  return rows[0];
}

const memberWhere = (memberId: string, workspaceId?: string): SQL | undefined =>
  workspaceId
    ? and(eq(workspaceMembers.id, memberId), eq(workspaceMembers.workspaceId, workspaceId))
    : eq(workspaceMembers.id, memberId);

export async function findMember(db: Database, memberId: string, workspaceId?: string) {
  const [member] = await db.select().from(workspaceMembers).where(memberWhere(memberId, workspaceId));
  return member;
}

/** Every token issued so far for the member stops matching: its new token version, or undefined. */
export async function bumpTokenVersion(db: Database, memberId: string, workspaceId?: string) {
  const [row] = await db
    .update(workspaceMembers)
    .set({ tokenVersion: sql`${workspaceMembers.tokenVersion} + 1` })
    .where(memberWhere(memberId, workspaceId))
    .returning({ tokenVersion: workspaceMembers.tokenVersion });
  return row?.tokenVersion;
}

export type MemberListRow = { id: string; email: string; role: string; permissions: string[]; created_at: string };

/** A workspace's members by email, keyset-paged on (email, id); found=false for no workspace. */
export async function listMembers(
  db: Database,
  workspaceId: string,
  opts: { after?: { email: string; id: string }; limit: number },
) {
  const after = opts.after ? sql`AND (m.email, m.id) > (${opts.after.email}, ${opts.after.id}::uuid)` : sql``;
  const { rows } = await db.execute<{ found: boolean; members: MemberListRow[] }>(sql`
    SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ${workspaceId}) AS found,
      coalesce((SELECT json_agg(p ORDER BY p.email, p.id) FROM (
        SELECT m.id::text AS id, m.email, m.role, m.permissions, ${iso("m.created_at")} AS created_at
        FROM workspace_members m WHERE m.workspace_id = ${workspaceId} ${after}
        ORDER BY m.email, m.id LIMIT ${opts.limit}) p), '[]'::json) AS members`);
  return rows[0] ?? { found: false, members: [] };
}
