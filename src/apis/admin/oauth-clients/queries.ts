// SQL of the oauth-clients resource: a workspace's clients (keyset page), create and revoke.
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { FOREIGN_KEY_VIOLATION, pgErrorOf } from "../../../lib/errors";
import { auditInsert } from "../audit/queries";
import type { AuditMeta } from "../audit/record";
import { iso, micros } from "../sql-helpers";

/** Creates the client with its audit row; false when the workspace does not exist. */
export function insertOAuthClient(
  db: Database,
  meta: AuditMeta,
  client: { workspaceId: string; clientId: string; secretHash: string; name: string; scopes: string[] },
): Promise<boolean> {
  return db
    .execute(sql`
      WITH o AS (
        INSERT INTO oauth_clients (workspace_id, client_id, secret_hash, name, scopes)
        VALUES (${client.workspaceId}, ${client.clientId}, ${client.secretHash}, ${client.name},
          ${sql.param(client.scopes)}::text[])
        RETURNING workspace_id, client_id, name, scopes
      ),
      audit AS (${auditInsert(
        meta,
        {
          action: "oauth_client.create",
          targetType: "oauth_client",
          targetId: sql`o.client_id`,
          workspaceId: sql`o.workspace_id`,
          after: sql`jsonb_build_object('name', o.name, 'scopes', to_jsonb(o.scopes))`,
        },
        sql`FROM o`,
      )})
      SELECT 1 FROM o`)
    .then(
      () => true,
      (err) => {
        if (pgErrorOf(err)?.code === FOREIGN_KEY_VIOLATION) return false;
        throw err;
      },
    );
}

/** Revokes the workspace's client (once, audited); false when the workspace has no such client. */
export async function revokeWorkspaceClient(
  db: Database,
  meta: AuditMeta,
  workspaceId: string,
  clientId: string,
): Promise<boolean> {
  const { rows } = await db.execute(sql`
    WITH o AS (
      SELECT id, revoked_at FROM oauth_clients WHERE client_id = ${clientId} AND workspace_id = ${workspaceId} FOR UPDATE
    ),
    revoked AS (
      UPDATE oauth_clients SET revoked_at = now() WHERE id IN (SELECT id FROM o WHERE revoked_at IS NULL)
      RETURNING workspace_id, client_id, revoked_at
    ),
    audit AS (${auditInsert(
      meta,
      {
        action: "oauth_client.revoke",
        targetType: "oauth_client",
        targetId: sql`r.client_id`,
        workspaceId: sql`r.workspace_id`,
        before: sql`jsonb_build_object('revoked_at', NULL)`,
        after: sql`jsonb_build_object('revoked_at', ${iso("r.revoked_at")})`,
      },
      sql`FROM revoked r`,
    )})
    SELECT id FROM o`);
  return rows.length > 0;
}

export type OAuthClientListRow = {
  client_id: string;
  name: string;
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
  position: string;
  id: string;
};

/** A workspace's OAuth clients, newest first, keyset-paged on (created_at, id); found=false for no workspace. */
export async function listOAuthClients(
  db: Database,
  workspaceId: string,
  opts: { before?: { position: string; id: string }; limit: number },
) {
  const before = opts.before
    ? sql`AND (o.created_at, o.id) < (${opts.before.position}::timestamptz, ${opts.before.id}::uuid)`
    : sql``;
  const { rows } = await db.execute<{ found: boolean; clients: OAuthClientListRow[] }>(sql`
    SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ${workspaceId}) AS found,
      coalesce((SELECT json_agg(p ORDER BY p.position DESC, p.id DESC) FROM (
        SELECT o.id::text AS id, o.client_id, o.name, o.scopes, ${iso("o.created_at")} AS created_at,
          ${iso("o.revoked_at")} AS revoked_at, ${micros("o.created_at")} AS position
        FROM oauth_clients o WHERE o.workspace_id = ${workspaceId} ${before}
        ORDER BY o.created_at DESC, o.id DESC LIMIT ${opts.limit}) p), '[]'::json) AS clients`);
  return rows[0] ?? { found: false, clients: [] };
}
