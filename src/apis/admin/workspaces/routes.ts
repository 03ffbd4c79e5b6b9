// Routes of the workspaces resource: list and search, one workspace, create.
import { jsonBody, jsonContent } from "../../../http/openapi";
import { uuidParam } from "../../../http/params";
import { adminErrors, adminRoute } from "../route-base";
import { CreateWorkspace, Workspace, WorkspaceDetail, WorkspaceList, WorkspaceListQuery } from "./schemas";

export const listWorkspaces = adminRoute({
  operationId: "listWorkspaces",
  summary: "List and search workspaces",
  method: "get",
  path: "/workspaces",
  description:
    "Workspaces in name order (byte order of the lower-cased name), keyset-paged. `q` is a workspace id, or " +
    "the start of a name (case-insensitive).",
  request: { query: WorkspaceListQuery },
  responses: { 200: jsonContent(WorkspaceList, "A page of workspaces"), ...adminErrors },
});

export const getWorkspace = adminRoute({
  operationId: "getWorkspace",
  summary: "Get a workspace",
  method: "get",
  path: "/workspaces/{workspace_id}",
  description:
    "One workspace with its API keys and OAuth clients (newest 100 of each) and its members (first 100 by " +
    "email). The paged lists are /api-keys, /members and /oauth-clients under the workspace.",
  request: { params: uuidParam("workspace_id") },
  responses: { 200: jsonContent(WorkspaceDetail, "The workspace"), ...adminErrors },
});

export const createWorkspace = adminRoute({
  operationId: "createWorkspace",
  summary: "Create a workspace",
  method: "post",
  path: "/workspaces",
  request: jsonBody(CreateWorkspace),
  responses: { 201: jsonContent(Workspace, "Workspace created"), ...adminErrors },
});
