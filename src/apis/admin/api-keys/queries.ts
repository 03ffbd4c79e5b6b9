// SQL of the api-keys resource: a workspace's keys (keyset page), create and revoke (bare or scoped).
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { FOREIGN_KEY_VIOLATION, pgErrorOf } from "../../../lib/errors";
import { auditInsert } from "../audit/queries";
import type { AuditMeta } from "../audit/record";
import { iso, micros } from "../sql-helpers";

export type NewApiKey = {
  workspaceId: string;
  accountId: string | null;
  prefix: string;
  secretHash: string;
  permissions: string[];
  mode: "test" | "live";
};

/**
 * Creates the key with its audit row, in one statement. "no_account" when account_id names no account
 * of the workspace; null when the workspace does not exist.
 */
export async function insertApiKey(db: Database, meta: AuditMeta, key: NewApiKey) {
  const statement = db.execute<{
    id: string;
    workspace_id: string;
    account_id: string | null;
    permissions: string[];
  }>(sql`
    WITH k AS (
      INSERT INTO api_keys (workspace_id, account_id, prefix, secret_hash, permissions, mode)
      SELECT ${key.workspaceId}::uuid, ${key.accountId}::uuid, ${key.prefix}, ${key.secretHash},
        ${sql.param(key.permissions)}::text[], ${key.mode}
      WHERE ${key.accountId}::uuid IS NULL
        OR EXISTS (SELECT 1 FROM accounts WHERE id = ${key.accountId}::uuid AND workspace_id = ${key.workspaceId}::uuid)
      RETURNING id, workspace_id, account_id, permissions, prefix, mode
    ),
    audit AS (${auditInsert(
      meta,
      {
        action: "api_key.create",
        targetType: "api_key",
        targetId: sql`k.id`,
        workspaceId: sql`k.workspace_id`,
        accountId: sql`k.account_id`,
        after: sql`jsonb_build_object('prefix', k.prefix, 'mode', k.mode, 'permissions', to_jsonb(k.permissions),
          'account_id', k.account_id)`,
      },
      sql`FROM k`,
    )})
    SELECT id::text AS id, workspace_id::text AS workspace_id, account_id::text AS account_id, permissions FROM k`);
  const rows = await statement.then(
    (r) => r.rows,
    (err) => {
      if (pgErrorOf(err)?.code === FOREIGN_KEY_VIOLATION) return null;
      throw err;
    },
  );
  if (rows === null) return null;
  return rows[0] ?? ("no_account" as const);
}

/**
 * Revokes the key (once: a revoked key keeps its first revocation time) with its audit row, and
 * answers its secret's hash, which keys its KV cache entry; undefined when there is no such key (in
 * that workspace, when given: the tenant check is in the WHERE). One statement.
 */
export async function revokeApiKey(
  db: Database,
  meta: AuditMeta,
  keyId: string,
  workspaceId?: string,
): Promise<string | undefined> {
  const inWorkspace: SQL = workspaceId ? sql`AND workspace_id = ${workspaceId}` : sql``;
  const { rows } = await db.execute<{ secret_hash: string }>(sql`
    WITH k AS (SELECT id, secret_hash, revoked_at FROM api_keys WHERE id = ${keyId} ${inWorkspace} FOR UPDATE),
    revoked AS (
      UPDATE api_keys SET revoked_at = now() WHERE id IN (SELECT id FROM k WHERE revoked_at IS NULL)
      RETURNING id, workspace_id, account_id, revoked_at
    ),
    audit AS (${auditInsert(
      meta,
      {
        action: "api_key.revoke",
        targetType: "api_key",
        targetId: sql`r.id`,
        workspaceId: sql`r.workspace_id`,
        accountId: sql`r.account_id`,
        before: sql`jsonb_build_object('revoked_at', NULL)`,
        after: sql`jsonb_build_object('revoked_at', ${iso("r.revoked_at")})`,
      },
      sql`FROM revoked r`,
    )})
    SELECT secret_hash FROM k`);
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
