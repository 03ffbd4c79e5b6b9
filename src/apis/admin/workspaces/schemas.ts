// Bodies and answers of the workspaces resource.
import { z } from "@hono/zod-openapi";
import { cursorQuery, limitQuery } from "../common";

export const CreateWorkspace = z.object({ name: z.string().trim().min(1).max(200) }).strict();
export const Workspace = z.object({ id: z.string(), name: z.string(), created_at: z.string() }).openapi("Workspace");

export const WorkspaceListQuery = z.object({
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .openapi({ description: "A workspace id, or the start of a name (case-insensitive)" }),
  limit: limitQuery(100, 50),
  cursor: cursorQuery,
});

export const WorkspaceSummary = z
  .object({ id: z.string(), name: z.string(), created_at: z.string(), account_count: z.number().int() })
  .openapi("WorkspaceSummary");

export const WorkspaceList = z
  .object({ workspaces: z.array(WorkspaceSummary), next_cursor: z.string().nullable() })
  .openapi("WorkspaceList");

export const WorkspaceApiKey = z
  .object({
    id: z.string(),
    prefix: z.string(),
    mode: z.string(),
    permissions: z.array(z.string()),
    account_id: z.string().nullable(),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .openapi("WorkspaceApiKey");

export const WorkspaceMemberSummary = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.string(),
    permissions: z.array(z.string()),
    created_at: z.string(),
  })
  .openapi("WorkspaceMemberSummary");

export const WorkspaceOAuthClient = z
  .object({
    client_id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .openapi("WorkspaceOAuthClient");

export const WorkspaceDetail = WorkspaceSummary.extend({
  api_keys: z.array(WorkspaceApiKey),
  members: z.array(WorkspaceMemberSummary),
  oauth_clients: z.array(WorkspaceOAuthClient),
}).openapi("WorkspaceDetail");
