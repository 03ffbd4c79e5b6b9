// Handlers of the api-keys resource.
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AdminEnv } from "../../../auth/admin";
import { keyCacheTtl, newApiKeySecret } from "../../../auth/api-keys";
import { cacheKey, forgetKey, mirror } from "../../../edge/kv-state";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { sha256Hex } from "../../../lib/crypto";
import { AppError } from "../../../lib/errors";
import { auditMeta } from "../audit/record";
import { encodeKeyset, keysetAfter, keysetPage } from "../common";
import { adminErrorRenderer } from "../errors";
import { insertApiKey, listApiKeys, revokeApiKey } from "./queries";
import * as routes from "./routes";

export const apiKeysAdmin = createSurface<AdminEnv>(adminErrorRenderer);

apiKeysAdmin.openapi(routes.listApiKeys, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const { limit, cursor } = c.req.valid("query");
  const before = keysetAfter(cursor, z.tuple([z.string().max(40), z.uuid()]));
  const result = await listApiKeys(database(c), workspace_id, {
    before: before && { position: before[0], id: before[1] },
    limit: limit + 1,
  });
  if (!result.found) throw new AppError("not_found", "Workspace not found");
  const { page, next_cursor } = keysetPage(result.keys, limit, (last) => encodeKeyset([last.position, last.id]));
  return c.json({ api_keys: page.map(({ position: _, ...k }) => k), next_cursor }, 200);
});

apiKeysAdmin.openapi(routes.createApiKey, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const input = c.req.valid("json");
  const { key, prefix } = newApiKeySecret(input.mode);
  const secretHash = await sha256Hex(key);
  const row = await insertApiKey(database(c), auditMeta(c), {
    workspaceId: workspace_id,
    accountId: input.account_id ?? null,
    prefix,
    secretHash,
    permissions: input.permissions,
    mode: input.mode,
  });
  if (!row) throw new AppError("not_found", "Workspace not found");
  if (row === "no_account") {
    throw new AppError("bad_request", "account_id: no such account in this workspace", {
      account_id: ["no such account in this workspace"],
    });
  }
  // A cache miss reads the database, so a failed write here only costs that read.
  await mirror("api key", cacheKey(c.env.EDGE_KV, secretHash, row, keyCacheTtl(c.env)));
  return c.json({ id: row.id, key, prefix, permissions: row.permissions }, 201);
});

/** Revokes in the database, then drops the KV cache entry that KV-decided answers read. */
async function revoke(c: Context<AdminEnv>, keyId: string, workspaceId?: string) {
  const secretHash = await revokeApiKey(database(c), auditMeta(c), keyId, workspaceId);
  if (!secretHash) throw new AppError("not_found", "API key not found");
  // Deleting the cache entry is what stops KV-decided answers; data answers re-check the database.
  await forgetKey(c.env.EDGE_KV, secretHash);
  return c.body(null, 204);
}

apiKeysAdmin.openapi(routes.revokeWorkspaceApiKey, async (c) => {
  const { workspace_id, id } = c.req.valid("param");
  return revoke(c, id, workspace_id);
});

apiKeysAdmin.openapi(routes.revokeApiKey, async (c) => revoke(c, c.req.valid("param").id));
