// SQL of the api-keys resource: a workspace's keys (keyset page), create and revoke (bare or scoped).
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { apiKeys } from "../../../db/schema";
import { iso, micros, unlessNoWorkspace } from "../sql-helpers";

export const insertApiKey = (db: Database, key: typeof apiKeys.$inferInsert) =>
  unlessNoWorkspace(db.insert(apiKeys).values(key).returning());

/**
 * Revokes the key (once: a revoked key keeps its first revocation time) and answers its secret's hash,
 * which keys its KV cache entry; undefined when there is no such key (in that workspace, when given:
 * the tenant check is in the WHERE). One statement.
 */
export async function revokeApiKey(db: Database, keyId: string, workspaceId?: string): Promise<string | undefined> {
  const inWorkspace: SQL = workspaceId ? sql`AND workspace_id = ${workspaceId}` : sql``;
  const { rows } = await db.execute<{ secret_hash: string }>(sql`
    WITH k AS (SELECT id, secret_hash, revoked_at FROM api_keys WHERE id = ${keyId} ${inWorkspace}),
    revoked AS (
      UPDATE api_keys SET revoked_at = now() WHERE id IN (SELECT id FROM k WHERE revoked_at IS NULL) RETURNING id
    )
    SELECT secret_hash, (SELECT count(*) FROM revoked)::int AS revoked FROM k`);
  return rows[0]?.secret_hash;
}

export type ApiKeyListRow = {
  id: string;
  prefix: string;
  mode: string;
  permissions: string[];
  account_id: string | null;
  created_at: string;
  revoked_at: string | null;
  position: string;
};

/** A workspace's keys, newest first, keyset-paged on (created_at, id); found=false for no workspace. */
export async function listApiKeys(
  db: Database,
  workspaceId: string,
  opts: { before?: { position: string; id: string }; limit: number },
) {
  const before = opts.before
    ? sql`AND (k.created_at, k.id) < (${opts.before.position}::timestamptz, ${opts.before.id}::uuid)`
    : sql``;
  const { rows } = await db.execute<{ found: boolean; keys: ApiKeyListRow[] }>(sql`
    SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ${workspaceId}) AS found,
      coalesce((SELECT json_agg(p ORDER BY p.position DESC, p.id DESC) FROM (
        SELECT k.id::text AS id, k.prefix, k.mode, k.permissions, k.account_id::text AS account_id,
          ${iso("k.created_at")} AS created_at, ${iso("k.revoked_at")} AS revoked_at, ${micros("k.created_at")} AS position
        FROM api_keys k WHERE k.workspace_id = ${workspaceId} ${before}
        ORDER BY k.created_at DESC, k.id DESC LIMIT ${opts.limit}) p), '[]'::json) AS keys`);
  return rows[0] ?? { found: false, keys: [] };
}
