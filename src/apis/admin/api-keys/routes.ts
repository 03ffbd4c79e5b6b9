// Routes of the api-keys resource: a workspace's keys (paged), create, revoke (workspace-scoped, and the
// bare-id route kept as a contract).
import { jsonBody, jsonContent } from "../../../http/openapi";
import { uuidParam } from "../../../http/params";
import { PageQuery } from "../common";
import { adminErrors, adminRoute } from "../route-base";
import { ApiKeyCreated, ApiKeyList, CreateApiKey } from "./schemas";

export const listApiKeys = adminRoute({
  operationId: "listApiKeys",
  summary: "List a workspace's API keys",
  method: "get",
  path: "/workspaces/{workspace_id}/api-keys",
  description: "The workspace's API keys, newest first, keyset-paged (revoked ones included).",
  request: { params: uuidParam("workspace_id"), query: PageQuery },
  responses: { 200: jsonContent(ApiKeyList, "A page of keys"), ...adminErrors },
});

export const createApiKey = adminRoute({
  operationId: "createApiKey",
  summary: "Create an API key",
  method: "post",
  path: "/workspaces/{workspace_id}/api-keys",
  request: { params: uuidParam("workspace_id"), ...jsonBody(CreateApiKey) },
  responses: { 201: jsonContent(ApiKeyCreated, "The key, shown only in this response"), ...adminErrors },
});

export const revokeWorkspaceApiKey = adminRoute({
  operationId: "revokeWorkspaceApiKey",
  summary: "Revoke a workspace's API key",
  method: "delete",
  path: "/workspaces/{workspace_id}/api-keys/{id}",
  description: "404 unless the key belongs to the workspace.",
  request: { params: uuidParam("workspace_id").extend(uuidParam("id").shape) },
  responses: { 204: { description: "Revoked, at the edge too" }, ...adminErrors },
});

export const revokeApiKey = adminRoute({
  operationId: "revokeApiKey",
  summary: "Revoke an API key by id",
  method: "delete",
  path: "/api-keys/{id}",
  request: { params: uuidParam("id") },
  responses: { 204: { description: "Revoked, at the edge too" }, ...adminErrors },
});
