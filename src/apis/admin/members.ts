// Portal admin additions for spec 003: workspace members and their tokens. Its own sub-router with the
// admin error envelope, mounted under /admin/v1; every route is guarded by requireAdmin.
import { createRoute, z } from "@hono/zod-openapi";
import {
  issueWorkspaceToken,
  MEMBER_PERMISSIONS,
  TOKEN_TTL,
  writeMemberTokenVersion,
} from "../../auth/workspace-tokens";
import { database } from "../../db/request-db";
import { MEMBER_ROLES } from "../../db/schema";
import { AppError } from "../../lib/errors";
import { jsonContent } from "../shared/openapi";
import { uuidParam } from "../shared/params";
import { createSurface } from "../shared/surface";
import { adminErrorRenderer } from "./index";
import { bumpTokenVersion, findMember, insertMember } from "./queries";
import { adminErrors, adminRouteBase } from "./route-base";
import { AdminError } from "./schemas";

const CreateMember = z
  .object({
    email: z
      .email({ message: "email must be an email address" })
      .max(254)
      .transform((e) => e.toLowerCase())
      .openapi({ example: "owner@example.com" }),
    role: z.enum(MEMBER_ROLES),
    permissions: z
      .array(z.enum(MEMBER_PERMISSIONS))
      .max(10)
      .optional()
      .openapi({ description: "Staff permissions. Owners implicitly hold every permission." }),
  })
  .strict();

const Member = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(MEMBER_ROLES),
    permissions: z.array(z.enum(MEMBER_PERMISSIONS)),
  })
  .openapi("WorkspaceMember");

const CreateToken = z
  .object({
    ttl_seconds: z
      .number()
      .int("ttl_seconds must be an integer")
      .min(TOKEN_TTL.min, `ttl_seconds must be at least ${TOKEN_TTL.min}`)
      .max(TOKEN_TTL.max, `ttl_seconds must be at most ${TOKEN_TTL.max}`)
      .optional()
      .openapi({ example: TOKEN_TTL.default, description: `Default ${TOKEN_TTL.default}` }),
  })
  .strict();

const MemberToken = z
  .object({
    token: z.string().openapi({ description: "Bearer token for the workspace API (HS256 JWT)" }),
    expires_at: z.string().openapi({ example: "2026-01-15T11:30:00.000Z" }),
  })
  .openapi("WorkspaceMemberToken");

export const createMember = createRoute({
  ...adminRouteBase,
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

export const createMemberToken = createRoute({
  ...adminRouteBase,
  method: "post",
  path: "/members/{member_id}/tokens",
  description: "Issues a signed short-lived token for the member. The body is optional.",
  request: {
    params: uuidParam("member_id"),
    body: { content: { "application/json": { schema: CreateToken } }, required: false },
  },
  responses: { 201: jsonContent(MemberToken, "The token"), ...adminErrors },
});

export const revokeMemberTokens = createRoute({
  ...adminRouteBase,
  method: "delete",
  path: "/members/{member_id}/tokens",
  description: "Every token issued so far for this member stops working, at the edge at once.",
  request: { params: uuidParam("member_id") },
  responses: { 204: { description: "Revoked" }, ...adminErrors },
});

export const membersAdmin = createSurface(adminErrorRenderer);

membersAdmin.openapi(createMember, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const input = c.req.valid("json");
  const row = await insertMember(database(c), {
    workspaceId: workspace_id,
    email: input.email,
    role: input.role,
    permissions: [...new Set(input.permissions ?? [])],
  });
  if (row === "no_workspace") throw new AppError("not_found", "Workspace not found");
  if (row === "email_taken") throw new AppError("conflict", "A member with this email already exists in the workspace");
  await writeMemberTokenVersion(c.env.EDGE_KV, row.id, row.tokenVersion);
  return c.json(
    {
      id: row.id,
      email: row.email,
      role: row.role,
      permissions: row.permissions as (typeof MEMBER_PERMISSIONS)[number][],
    },
    201,
  );
});

membersAdmin.openapi(createMemberToken, async (c) => {
  const { member_id } = c.req.valid("param");
  const { ttl_seconds } = c.req.valid("json");
  const member = await findMember(database(c), member_id);
  if (!member) throw new AppError("not_found", "Member not found");
  const { token, expiresAt } = await issueWorkspaceToken(
    c.env.WORKSPACE_TOKEN_SECRET,
    member,
    ttl_seconds ?? TOKEN_TTL.default,
  );
  return c.json({ token, expires_at: expiresAt.toISOString() }, 201);
});

membersAdmin.openapi(revokeMemberTokens, async (c) => {
  const { member_id } = c.req.valid("param");
  const tokenVersion = await bumpTokenVersion(database(c), member_id);
  if (tokenVersion === undefined) throw new AppError("not_found", "Member not found");
  // The database is the truth (data statements re-check it); KV makes the edge refuse old tokens now.
  await writeMemberTokenVersion(c.env.EDGE_KV, member_id, tokenVersion);
  return c.body(null, 204);
});
