import { createRoute, z } from "@hono/zod-openapi";
import {
  Account,
  AdminError,
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
  uuidParam,
  Workspace,
} from "./schemas";

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});
const errors = {
  400: json(AdminError, "Invalid body or parameters"),
  401: json(AdminError, "Missing or wrong admin token"),
  404: json(AdminError, "Unknown id"),
};
const base = { tags: ["Portal admin"], security: [{ adminBearer: [] }] };

export const createWorkspace = createRoute({
  ...base,
  method: "post",
  path: "/workspaces",
  request: body(CreateWorkspace),
  responses: { 201: json(Workspace, "Workspace created"), ...errors },
});

export const createAccount = createRoute({
  ...base,
  method: "post",
  path: "/workspaces/{workspace_id}/accounts",
  request: { params: uuidParam("workspace_id"), ...body(CreateAccount) },
  responses: { 201: json(Account, "Account created"), ...errors },
});

export const patchAccount = createRoute({
  ...base,
  method: "patch",
  path: "/accounts/{account_id}",
  request: { params: uuidParam("account_id"), ...body(PatchAccount) },
  responses: { 200: json(Account, "Account updated; its KV mirror too"), ...errors },
});

export const createApiKey = createRoute({
  ...base,
  method: "post",
  path: "/workspaces/{workspace_id}/api-keys",
  request: { params: uuidParam("workspace_id"), ...body(CreateApiKey) },
  responses: { 201: json(ApiKeyCreated, "The key, shown only in this response"), ...errors },
});

export const revokeApiKey = createRoute({
  ...base,
  method: "delete",
  path: "/api-keys/{id}",
  request: { params: uuidParam("id") },
  responses: { 204: { description: "Revoked, at the edge too" }, ...errors },
});

const idempotencyHeader = z.object({
  "idempotency-key": z.string().optional().openapi({ description: "Retries with the same key post once" }),
});

export const createAdjustment = createRoute({
  ...base,
  method: "post",
  path: "/accounts/{account_id}/adjustments",
  request: { params: uuidParam("account_id"), headers: idempotencyHeader, ...body(CreateAdjustment) },
  responses: { 201: json(LedgerEntry, "Posted (source portal, type adjustment)"), ...errors },
});

export const createImportedEntry = createRoute({
  ...base,
  method: "post",
  path: "/accounts/{account_id}/entries",
  request: { params: uuidParam("account_id"), headers: idempotencyHeader, ...body(CreateImportedEntry) },
  responses: { 201: json(LedgerEntry, "Gateway history entry imported"), ...errors },
});

export const putGatewayStatus = createRoute({
  ...base,
  method: "put",
  path: "/gateway-status",
  request: body(PutGatewayStatus),
  responses: { 200: json(GatewayStatusBody, "Stored in KV"), ...errors },
});

export const getGatewayStatus = createRoute({
  ...base,
  method: "get",
  path: "/gateway-status",
  responses: { 200: json(EffectiveGatewayStatusBody, "The SMS gateway state, when it changed and why"), ...errors },
});
