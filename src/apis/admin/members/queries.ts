// SQL of the members resource: a workspace's members (keyset page), create, find, and the token version
// that revokes every token. Workspace-scoped calls put the tenant check in the WHERE.
import { type SQL, sql } from "drizzle-orm";
import type { MemberRole } from "../../../auth/workspace-tokens";
import type { Database } from "../../../db/client";
import { FOREIGN_KEY_VIOLATION, pgErrorOf, UNIQUE_VIOLATION } from "../../../lib/errors";
import { auditInsert } from "../audit/queries";
import type { AuditMeta } from "../audit/record";
import { iso } from "../sql-helpers";

/** A member as the handlers use it (camel-cased columns). */
export type MemberShown = {
  id: string;
  workspaceId: string;
  email: string;
  role: MemberRole;
  permissions: string[];
  tokenVersion: number;
};

const shownColumns = (alias: string) =>
  sql.raw(`${alias}.id::text AS "id", ${alias}.workspace_id::text AS "workspaceId", ${alias}.email AS "email",
    ${alias}.role AS "role", ${alias}.permissions AS "permissions", ${alias}.token_version AS "tokenVersion"`);

const inWorkspace = (workspaceId: string | undefined): SQL =>
  workspaceId ? sql`AND workspace_id = ${workspaceId}` : sql``;

/** The new member with its audit row, or why not: no such workspace, or the email is taken in it. */
export async function insertMember(
  db: Database,
  meta: AuditMeta,
  member: { workspaceId: string; email: string; role: MemberRole; permissions: string[] },
) {
  const rows = await db
    .execute<MemberShown>(sql`
      WITH m AS (
        INSERT INTO workspace_members (workspace_id, email, role, permissions)
        VALUES (${member.workspaceId}, ${member.email}, ${member.role}, ${sql.param(member.permissions)}::text[])
        RETURNING *
      ),
      audit AS (${auditInsert(
        meta,
        {
          action: "member.create",
          targetType: "member",
          targetId: sql`m.id`,
          workspaceId: sql`m.workspace_id`,
          after: sql`jsonb_build_object('email', m.email, 'role', m.role, 'permissions', to_jsonb(m.permissions))`,
        },
        sql`FROM m`,
      )})
      SELECT ${shownColumns("m")} FROM m`)
    .then(
      (r) => r.rows,
      (err) => {
        const code = pgErrorOf(err)?.code;
        if (code === FOREIGN_KEY_VIOLATION) return "no_workspace" as const;
        if (code === UNIQUE_VIOLATION) return "email_taken" as const;
        throw err;
      },
    );
  if (typeof rows === "string") return rows;
  if (!rows[0]) throw new Error("insert returned no row");
  return rows[0];
}

/** The member (in that workspace, when given), recording that a token is issued for it; undefined for none. */
export async function memberForToken(
  db: Database,
  meta: AuditMeta,
  memberId: string,
  ttlSeconds: number,
  workspaceId?: string,
) {
  const { rows } = await db.execute<MemberShown>(sql`
    WITH m AS (SELECT * FROM workspace_members WHERE id = ${memberId} ${inWorkspace(workspaceId)}),
    audit AS (${auditInsert(
      meta,
      {
        action: "member.token.issue",
        targetType: "member",
        targetId: sql`m.id`,
        workspaceId: sql`m.workspace_id`,
        after: sql`jsonb_build_object('ttl_seconds', ${ttlSeconds}::int, 'token_version', m.token_version)`,
      },
      sql`FROM m`,
    )})
    SELECT ${shownColumns("m")} FROM m`);
  return rows[0];
}

/** Every token issued so far for the member stops matching: its new token version (audited), or undefined. */
export async function bumpTokenVersion(db: Database, meta: AuditMeta, memberId: string, workspaceId?: string) {
  const { rows } = await db.execute<{ token_version: number }>(sql`
    WITH m AS (
      UPDATE workspace_members SET token_version = token_version + 1
      WHERE id = ${memberId} ${inWorkspace(workspaceId)} RETURNING id, workspace_id, token_version
    ),
    audit AS (${auditInsert(
      meta,
      {
        action: "member.tokens.revoke",
        targetType: "member",
        targetId: sql`m.id`,
        workspaceId: sql`m.workspace_id`,
        before: sql`jsonb_build_object('token_version', m.token_version - 1)`,
        after: sql`jsonb_build_object('token_version', m.token_version)`,
      },
      sql`FROM m`,
    )})
    SELECT token_version FROM m`);
  return rows[0]?.token_version;
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
