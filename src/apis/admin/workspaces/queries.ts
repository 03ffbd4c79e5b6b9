// SQL of the workspaces resource: the searchable list, one workspace with its capped sub-lists, create.
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { auditInsert } from "../audit/queries";
import type { AuditMeta } from "../audit/record";
import { iso, prefixPattern } from "../sql-helpers";

export type WorkspaceRow = { id: string; name: string; created_at: string; account_count: number; sort_key: string };

/**
 * Workspaces by name (case-insensitive prefix) or exact id, in name order, keyset-paged on
 * (lower(name), id): both the filter and the order come from workspaces_name_search_idx.
 */
export async function listWorkspaces(
  db: Database,
  opts: { q?: string; id?: string; after?: { sortKey: string; id: string }; limit: number },
) {
  const where: SQL[] = [];
  // An id names one workspace at most: no order, no page after it.
  if (opts.id) where.push(sql`w.id = ${opts.id}::uuid`);
  else if (opts.q) where.push(sql`lower(w.name) COLLATE "C" LIKE lower(${prefixPattern(opts.q)})`);
  if (opts.after && !opts.id) {
    where.push(sql`(lower(w.name) COLLATE "C", w.id) > (${opts.after.sortKey} COLLATE "C", ${opts.after.id}::uuid)`);
  }
  const { rows } = await db.execute<WorkspaceRow>(sql`
    SELECT w.id::text AS id, w.name, ${iso("w.created_at")} AS created_at, lower(w.name) AS sort_key,
      (SELECT count(*) FROM accounts a WHERE a.workspace_id = w.id)::int AS account_count
    FROM workspaces w
    ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}
    ${opts.id ? sql`` : sql`ORDER BY lower(w.name) COLLATE "C", w.id`}
    LIMIT ${opts.limit}`);
  return rows;
}

export type WorkspaceDetailRow = {
  id: string;
  name: string;
  created_at: string;
  account_count: number;
  api_keys: {
    id: string;
    prefix: string;
    mode: string;
    permissions: string[];
    account_id: string | null;
    created_at: string;
    revoked_at: string | null;
  }[];
  members: { id: string; email: string; role: string; permissions: string[]; created_at: string }[];
  oauth_clients: { client_id: string; name: string; scopes: string[]; created_at: string; revoked_at: string | null }[];
};

/** Lists inside the workspace's own answer are capped at this many rows (newest first; members by email). */
export const WORKSPACE_LIST_CAP = 100;

/** One workspace with its API keys, members and OAuth clients (each capped), or undefined. */
export async function workspaceDetail(db: Database, workspaceId: string) {
  const { rows } = await db.execute<WorkspaceDetailRow>(sql`
    SELECT w.id::text AS id, w.name, ${iso("w.created_at")} AS created_at,
      (SELECT count(*) FROM accounts a WHERE a.workspace_id = w.id)::int AS account_count,
      coalesce((SELECT json_agg(k.j ORDER BY k.created_at DESC, k.id DESC) FROM (
        SELECT json_build_object('id', k.id, 'prefix', k.prefix, 'mode', k.mode, 'permissions', k.permissions,
          'account_id', k.account_id, 'created_at', ${iso("k.created_at")}, 'revoked_at', ${iso("k.revoked_at")}) AS j,
          k.created_at, k.id
        FROM api_keys k WHERE k.workspace_id = w.id
        ORDER BY k.created_at DESC NULLS LAST, k.id DESC NULLS LAST LIMIT ${WORKSPACE_LIST_CAP}) k), '[]'::json) AS api_keys,
      coalesce((SELECT json_agg(m.j ORDER BY m.email) FROM (
        SELECT json_build_object('id', m.id, 'email', m.email, 'role', m.role, 'permissions', m.permissions,
          'created_at', ${iso("m.created_at")}) AS j, m.email
        FROM workspace_members m WHERE m.workspace_id = w.id
        ORDER BY m.email LIMIT ${WORKSPACE_LIST_CAP}) m), '[]'::json) AS members,
      coalesce((SELECT json_agg(o.j ORDER BY o.created_at DESC, o.id DESC) FROM (
        SELECT json_build_object('client_id', o.client_id, 'name', o.name, 'scopes', o.scopes,
          'created_at', ${iso("o.created_at")}, 'revoked_at', ${iso("o.revoked_at")}) AS j, o.created_at, o.id
        FROM oauth_clients o WHERE o.workspace_id = w.id
        ORDER BY o.created_at DESC NULLS LAST, o.id DESC NULLS LAST LIMIT ${WORKSPACE_LIST_CAP}) o), '[]'::json)
        AS oauth_clients
    FROM workspaces w WHERE w.id = ${workspaceId}`);
  return rows[0];
}

/** Creates the workspace and its audit row, in one statement. */
export async function insertWorkspace(db: Database, meta: AuditMeta, name: string) {
  const { rows } = await db.execute<{ id: string; name: string; created_at: string }>(sql`
    WITH w AS (INSERT INTO workspaces (name) VALUES (${name}) RETURNING id, name, created_at),
    audit AS (${auditInsert(
      meta,
      {
        action: "workspace.create",
        targetType: "workspace",
        targetId: sql`w.id`,
        workspaceId: sql`w.id`,
        after: sql`jsonb_build_object('name', w.name)`,
      },
      sql`FROM w`,
    )})
    SELECT id::text AS id, name, ${iso("created_at")} AS created_at FROM w`);
  if (!rows[0]) throw new Error("insert returned no row");
  return rows[0];
}
