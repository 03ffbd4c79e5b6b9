// SQL of the credentials: the admin guard's operators (by token hash or by email, for Cloudflare Access
// sign-in), an API key by its hash, a member's token version, an OAuth client, and the revocation checks
// that data statements embed.
import { and, eq, isNull, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiKeys, type OAUTH_SCOPES, operators, workspaceMembers } from "../db/schema";

const columns = { id: operators.id, email: operators.email, role: operators.role };

export async function enabledOperatorByTokenHash(db: Database, tokenHash: string) {
  const [row] = await db
    .select(columns)
    .from(operators)
    .where(and(eq(operators.tokenHash, tokenHash), isNull(operators.disabledAt)))
    .limit(1);
  return row;
}

export async function enabledOperatorByEmail(db: Database, email: string) {
  const [row] = await db
    .select(columns)
    .from(operators)
    .where(and(eq(operators.email, email), isNull(operators.disabledAt)))
    .limit(1);
  return row;
}

/** An unrevoked API key by the SHA-256 of its secret (api-keys.ts resolveApiKey, on a KV miss). */
export async function activeApiKeyByHash(db: Database, secretHash: string) {
  const [row] = await db
    .select({
      id: apiKeys.id,
      workspace_id: apiKeys.workspaceId,
      account_id: apiKeys.accountId,
      permissions: apiKeys.permissions,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.secretHash, secretHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row;
}

/**
 * SQL boolean: the key exists and is not revoked. Data statements include it to make revocation exact;
 * its id a value, or a slot of a statement prepared once (src/db/prepared.ts).
 */
export const apiKeyActive = (apiKeyId: string | Placeholder) =>
  sql`EXISTS (SELECT 1 FROM api_keys k WHERE k.id = ${apiKeyId} AND k.revoked_at IS NULL)`;

/** A member's token_version (workspace-tokens.ts currentTokenVersion, on a KV miss). */
export async function memberTokenVersion(db: Database, memberId: string) {
  const [row] = await db
    .select({ tokenVersion: workspaceMembers.tokenVersion })
    .from(workspaceMembers)
    .where(eq(workspaceMembers.id, memberId))
    .limit(1);
  return row;
}

export type OAuthClientRow = {
  id: string;
  workspace_id: string;
  secret_hash: string;
  scopes: (typeof OAUTH_SCOPES)[number][];
};

/** An unrevoked OAuth client by its public client_id (oauth.ts authenticateClient). */
export async function activeOAuthClient(db: Database, clientId: string) {
  const { rows } = await db.execute<OAuthClientRow>(sql`
    SELECT id::text AS id, workspace_id::text AS workspace_id, secret_hash, scopes
    FROM oauth_clients WHERE client_id = ${clientId} AND revoked_at IS NULL`);
  return rows[0];
}

/** SQL: the token's client still exists and is not revoked (re-checked inside data-bearing statements). */
export const oauthClientActive = (clientUuid: string | Placeholder): SQL =>
  sql`EXISTS (SELECT 1 FROM oauth_clients oc WHERE oc.id = ${clientUuid} AND oc.revoked_at IS NULL)`;
