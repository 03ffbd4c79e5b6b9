// Routes of the members resource (spec 003's workspace members): list, create, tokens issue and revoke
// (workspace-scoped, and the bare-id routes kept as a contract).
import { jsonContent } from "../../../http/openapi";
import { uuidParam } from "../../../http/params";
import { PageQuery } from "../common";
import { AdminError } from "../errors";
import { adminErrors, adminRoute } from "../route-base";
import { CreateMember, CreateToken, Member, MemberList, MemberToken } from "./schemas";

const scoped = uuidParam("workspace_id").extend(uuidParam("id").shape);
const tokenBody = { content: { "application/json": { schema: CreateToken } }, required: false };

export const listMembers = adminRoute({
  operationId: "listMembers",
  summary: "List a workspace's members",
  method: "get",
  path: "/workspaces/{workspace_id}/members",
  description: "The workspace's members by email, keyset-paged.",
  request: { params: uuidParam("workspace_id"), query: PageQuery },
  responses: { 200: jsonContent(MemberList, "A page of members"), ...adminErrors },
});

export const createMember = adminRoute({
  operationId: "createMember",
  summary: "Add a member to a workspace",
  method: "post",
  path: "/workspaces/{workspace_id}/members",
  request: {
    params: uuidParam("workspace_id"),
    body: { content: { "application/json": { schema: CreateMember } }, required: true },
  },
  responses: {
    201: jsonContent(Member, "Member created"),
    ...adminErrors,
    409: jsonContent(AdminError, "A member with this email already exists in the workspace"),
  },
});

export const createWorkspaceMemberToken = adminRoute({
  operationId: "createWorkspaceMemberToken",
  summary: "Issue a token for a workspace's member",
  method: "post",
  path: "/workspaces/{workspace_id}/members/{id}/tokens",
  description: "Issues a signed short-lived token for the member; 404 unless the member is in the workspace.",
  request: { params: scoped, body: tokenBody },
  responses: { 201: jsonContent(MemberToken, "The token"), ...adminErrors },
});

export const revokeWorkspaceMemberTokens = adminRoute({
  operationId: "revokeWorkspaceMemberTokens",
  summary: "Revoke every token of a workspace's member",
  method: "delete",
  path: "/workspaces/{workspace_id}/members/{id}/tokens",
  description: "Every token issued so far for this member stops working, at the edge at once.",
  request: { params: scoped },
  responses: { 204: { description: "Revoked" }, ...adminErrors },
});

export const createMemberToken = adminRoute({
  operationId: "createMemberToken",
  summary: "Issue a token for a member by id",
  method: "post",
  path: "/members/{member_id}/tokens",
  description: "Issues a signed short-lived token for the member. The body is optional.",
  request: { params: uuidParam("member_id"), body: tokenBody },
  responses: { 201: jsonContent(MemberToken, "The token"), ...adminErrors },
});

export const revokeMemberTokens = adminRoute({
  operationId: "revokeMemberTokens",
  summary: "Revoke every token of a member by id",
  method: "delete",
  path: "/members/{member_id}/tokens",
  description: "Every token issued so far for this member stops working, at the edge at once.",
  request: { params: uuidParam("member_id") },
  responses: { 204: { description: "Revoked" }, ...adminErrors },
});
