// Routes of the oauth-clients resource (spec 004's client credentials): list, create, revoke.
import { jsonContent } from "../../../http/openapi";
import { idParam, uuidParam } from "../../../http/params";
import { PageQuery } from "../common";
import { adminErrors, adminRoute } from "../route-base";
import { CreateOAuthClient, OAuthClientCreated, OAuthClientList } from "./schemas";

const workspaceParam = uuidParam("workspace_id");

export const listOAuthClients = adminRoute({
  operationId: "listOAuthClients",
  summary: "List a workspace's OAuth clients",
  method: "get",
  path: "/workspaces/{workspace_id}/oauth-clients",
  description: "The workspace's OAuth clients, newest first, keyset-paged (revoked ones included).",
  request: { params: workspaceParam, query: PageQuery },
  responses: { 200: jsonContent(OAuthClientList, "A page of clients"), ...adminErrors },
});

export const createOAuthClient = adminRoute({
  operationId: "createOAuthClient",
  summary: "Create an OAuth client",
  method: "post",
  path: "/workspaces/{workspace_id}/oauth-clients",
  description: "An OAuth 2.0 client (client credentials) for the crypto payments API. The secret is shown once.",
  request: {
    params: workspaceParam,
    body: { content: { "application/json": { schema: CreateOAuthClient } }, required: true },
  },
  responses: { 201: jsonContent(OAuthClientCreated, "The client's credentials"), ...adminErrors },
});

export const revokeOAuthClient = adminRoute({
  operationId: "revokeOAuthClient",
  summary: "Revoke an OAuth client",
  method: "delete",
  path: "/workspaces/{workspace_id}/oauth-clients/{client_id}",
  description:
    "Revokes the client: no new tokens, and its outstanding tokens read nothing more (data queries re-check " +
    "the client).",
  request: {
    params: workspaceParam.extend({
      client_id: idParam("client_id", { maxLength: 100 }),
    }),
  },
  responses: { 204: { description: "Revoked" }, ...adminErrors },
});
