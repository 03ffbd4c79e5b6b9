// Handlers of the oauth-clients resource.
import { z } from "@hono/zod-openapi";
import type { AdminEnv } from "../../../auth/admin";
import { hashClientSecret, newClientCredentials } from "../../../auth/oauth";
import { OAUTH_SCOPES } from "../../../db/schema";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { AppError } from "../../../lib/errors";
import { auditMeta } from "../audit/record";
import { encodeKeyset, keysetAfter, keysetPage } from "../common";
import { adminErrorRenderer } from "../errors";
import { insertOAuthClient, listOAuthClients, revokeWorkspaceClient } from "./queries";
import * as routes from "./routes";

export const oauthClientsAdmin = createSurface<AdminEnv>(adminErrorRenderer);

oauthClientsAdmin.openapi(routes.listOAuthClients, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const { limit, cursor } = c.req.valid("query");
  const before = keysetAfter(cursor, z.tuple([z.string().max(40), z.uuid()]));
  const result = await listOAuthClients(database(c), workspace_id, {
    before: before && { position: before[0], id: before[1] },
    limit: limit + 1,
  });
  if (!result.found) throw new AppError("not_found", "Workspace not found");
  const { page, next_cursor } = keysetPage(result.clients, limit, (last) => encodeKeyset([last.position, last.id]));
  return c.json({ oauth_clients: page.map(({ position: _, id: __, ...o }) => o), next_cursor }, 200);
});

oauthClientsAdmin.openapi(routes.createOAuthClient, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const input = c.req.valid("json");
  const { clientId, clientSecret } = newClientCredentials();
  const made = await insertOAuthClient(database(c), auditMeta(c), {
    workspaceId: workspace_id,
    clientId,
    secretHash: await hashClientSecret(clientSecret),
    name: input.name,
    scopes: OAUTH_SCOPES.filter((s) => input.scopes.includes(s)),
  });
  if (!made) throw new AppError("not_found", "Workspace not found");
  return c.json({ client_id: clientId, client_secret: clientSecret }, 201);
});

oauthClientsAdmin.openapi(routes.revokeOAuthClient, async (c) => {
  const { workspace_id, client_id } = c.req.valid("param");
  if (!(await revokeWorkspaceClient(database(c), auditMeta(c), workspace_id, client_id)))
    throw new AppError("not_found", "OAuth client not found");
  return c.body(null, 204);
});
