// SQL of the oauth-clients resource: a workspace's clients (keyset page), create and revoke.
import { sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { oauthClients } from "../../../db/schema";
import { FOREIGN_KEY_VIOLATION, pgErrorOf } from "../../../lib/errors";
import { iso, micros } from "../sql-helpers";

/** False when the workspace does not exist. */
export function insertOAuthClient(db: Database, client: typeof oauthClients.$inferInsert): Promise<boolean> {
  return db
    .insert(oauthClients)
    .values(client)
    .then(
      () => true,
      (err) => {
        if (pgErrorOf(err)?.code === FOREIGN_KEY_VIOLATION) return false;
        throw err;
      },
    );
}

/** Revokes the workspace's client (once); false when the workspace has no such client. */
export async function revokeWorkspaceClient(db: Database, workspaceId: string, clientId: string): Promise<boolean> {
  const { rows } = await db.execute(sql`
    UPDATE oauth_clients SET revoked_at = coalesce(revoked_at, now())
    WHERE client_id = ${clientId} AND workspace_id = ${workspaceId} RETURNING id`);
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
