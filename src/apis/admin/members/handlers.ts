// Handlers of the members resource.
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AdminEnv } from "../../../auth/admin";
import { issueWorkspaceToken, type MEMBER_PERMISSIONS, TOKEN_TTL } from "../../../auth/workspace-tokens";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { AppError } from "../../../lib/errors";
import { auditMeta } from "../audit/record";
import { encodeKeyset, keysetAfter, keysetPage } from "../common";
import { adminErrorRenderer } from "../errors";
import { listMembers, memberForToken } from "./queries";
import * as routes from "./routes";
import { addMember, revokeMemberTokens } from "./service";

export const membersAdmin = createSurface<AdminEnv>(adminErrorRenderer);

membersAdmin.openapi(routes.listMembers, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const { limit, cursor } = c.req.valid("query");
  const after = keysetAfter(cursor, z.tuple([z.string().max(254), z.uuid()]));
  const result = await listMembers(database(c), workspace_id, {
    after: after && { email: after[0], id: after[1] },
    limit: limit + 1,
  });
  if (!result.found) throw new AppError("not_found", "Workspace not found");
  const { page, next_cursor } = keysetPage(result.members, limit, (last) => encodeKeyset([last.email, last.id]));
  return c.json({ members: page, next_cursor }, 200);
});

membersAdmin.openapi(routes.createMember, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const input = c.req.valid("json");
  const row = await addMember(database(c), c.env.EDGE_KV, auditMeta(c), {
    workspaceId: workspace_id,
    email: input.email,
    role: input.role,
    permissions: [...new Set(input.permissions ?? [])],
  });
  if (row === "no_workspace") throw new AppError("not_found", "Workspace not found");
  if (row === "email_taken") throw new AppError("conflict", "A member with this email already exists in the workspace");
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

async function issueToken(
  c: Context<AdminEnv>,
  memberId: string,
  ttlSeconds: number | undefined,
  workspaceId?: string,
) {
  const ttl = ttlSeconds ?? TOKEN_TTL.default;
  const member = await memberForToken(database(c), auditMeta(c), memberId, ttl, workspaceId);
  if (!member) throw new AppError("not_found", "Member not found");
  const { token, expiresAt } = await issueWorkspaceToken(c.env.WORKSPACE_TOKEN_SECRET, member, ttl);
  return { token, expires_at: expiresAt.toISOString() };
}

async function revokeTokens(c: Context<AdminEnv>, memberId: string, workspaceId?: string) {
  const revoked = await revokeMemberTokens(database(c), c.env.EDGE_KV, auditMeta(c), memberId, workspaceId);
  if (!revoked) throw new AppError("not_found", "Member not found");
  return c.body(null, 204);
}

membersAdmin.openapi(routes.createWorkspaceMemberToken, async (c) => {
  const { workspace_id, id } = c.req.valid("param");
  return c.json(await issueToken(c, id, c.req.valid("json").ttl_seconds, workspace_id), 201);
});

membersAdmin.openapi(routes.revokeWorkspaceMemberTokens, async (c) => {
  const { workspace_id, id } = c.req.valid("param");
  return revokeTokens(c, id, workspace_id);
});

membersAdmin.openapi(routes.createMemberToken, async (c) =>
  c.json(await issueToken(c, c.req.valid("param").member_id, c.req.valid("json").ttl_seconds), 201),
);

membersAdmin.openapi(routes.revokeMemberTokens, async (c) => revokeTokens(c, c.req.valid("param").member_id));
