import { createRoute } from "@hono/zod-openapi";
import { IdempotencyHeader, jsonBody, jsonContent } from "../shared/openapi";
import { uuidParam } from "../shared/params";
import { adminErrors, adminRouteBase } from "./route-base";
import {
  Account,
  ApiKeyCreated,
  CreateAccount,
  CreateAdjustment,
  CreateApiKey,
  CreateImportedEntry,
  CreateWorkspace,
  EffectiveGatewayStatusBody,
  GatewayStatusBody,
  LedgerEntry,
  PatchAccount,
  PutGatewayStatus,
  Workspace,
} from "./schemas";

export const createWorkspace = createRoute({
  ...adminRouteBase,
  method: "post",
  path: "/workspaces",
  request: jsonBody(CreateWorkspace),
  responses: { 201: jsonContent(Workspace, "Workspace created"), ...adminErrors },
});

export const createAccount = createRoute({
  ...adminRouteBase,
  method: "post",
  path: "/workspaces/{workspace_id}/accounts",
  request: { params: uuidParam("workspace_id"), ...jsonBody(CreateAccount) },
  responses: { 201: jsonContent(Account, "Account created"), ...adminErrors },
});

export const patchAccount = createRoute({
  ...adminRouteBase,
  method: "patch",
  path: "/accounts/{account_id}",
  request: { params: uuidParam("account_id"), ...jsonBody(PatchAccount) },
  responses: { 200: jsonContent(Account, "Account updated; its KV mirror too"), ...adminErrors },
});

export const createApiKey = createRoute({
  ...adminRouteBase,
  method: "post",
  path: "/workspaces/{workspace_id}/api-keys",
  request: { params: uuidParam("workspace_id"), ...jsonBody(CreateApiKey) },
  responses: { 201: jsonContent(ApiKeyCreated, "The key, shown only in this response"), ...adminErrors },
});

export const revokeApiKey = createRoute({
  ...adminRouteBase,
  method: "delete",
  path: "/api-keys/{id}",
  request: { params: uuidParam("id") },
  responses: { 204: { description: "Revoked, at the edge too" }, ...adminErrors },
});

export const createAdjustment = createRoute({
  ...adminRouteBase,
  method: "post",
  path: "/accounts/{account_id}/adjustments",
  request: { params: uuidParam("account_id"), headers: IdempotencyHeader, ...jsonBody(CreateAdjustment) },
  responses: { 201: jsonContent(LedgerEntry, "Posted (source portal, type adjustment)"), ...adminErrors },
});

export const createImportedEntry = createRoute({
  ...adminRouteBase,
  method: "post",
  path: "/accounts/{account_id}/entries",
  request: { params: uuidParam("account_id"), headers: IdempotencyHeader, ...jsonBody(CreateImportedEntry) },
  responses: { 201: jsonContent(LedgerEntry, "Gateway history entry imported"), ...adminErrors },
});

export const putGatewayStatus = createRoute({
  ...adminRouteBase,
  method: "put",
  path: "/gateway-status",
  request: jsonBody(PutGatewayStatus),
  responses: { 200: jsonContent(GatewayStatusBody, "Stored in KV"), ...adminErrors },
});

export const getGatewayStatus = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/gateway-status",
  responses: {
    200: jsonContent(EffectiveGatewayStatusBody, "The SMS gateway state, when it changed and why"),
    ...adminErrors,
  },
});
