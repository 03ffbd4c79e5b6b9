import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { AppError } from "../lib/errors";
import {
  currentTokenVersion,
  type MemberPermission,
  type MemberPrincipal,
  memberCan,
  verifyWorkspaceToken,
} from "./workspace-tokens";

export type MemberEnv = AppEnv & { Variables: AppEnv["Variables"] & { member: MemberPrincipal } };

type Requirement = {
  /** Staff need this permission; owners hold every permission. */
  permission?: MemberPermission;
  ownerOnly?: boolean;
  /** The 403 message, in the surface's words. */
  forbidden: string;
};

const INVALID_TOKEN = "Missing or invalid authentication token";

/**
 * `Authorization: Bearer <workspace token>` for routes under `/:workspaceId/...`. Order of answers:
 * 401 (no/invalid/expired/revoked token, unknown member), 404 (the token belongs to another
 * workspace: never reveal whether that one exists), 403 (role or permission missing).
 * Stores the member in `c.var.member`.
 */
export function requireMember(requirement: Requirement): MiddlewareHandler<MemberEnv> {
  return async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const claims = match?.[1] ? await verifyWorkspaceToken(c.env.WORKSPACE_TOKEN_SECRET, match[1]) : null;
    if (!claims) throw new AppError("unauthorized", INVALID_TOKEN);
    const version = await currentTokenVersion(c, claims.sub);
    if (version === null || version !== claims.ver) throw new AppError("unauthorized", INVALID_TOKEN);
    if (claims.ws !== c.req.param("workspaceId")) throw new AppError("not_found", "Workspace not found");
    const member: MemberPrincipal = {
      id: claims.sub,
      workspaceId: claims.ws,
      role: claims.role,
      permissions: claims.perms,
      tokenVersion: claims.ver,
    };
    const allowed = requirement.ownerOnly
      ? member.role === "owner"
      : !requirement.permission || memberCan(member, requirement.permission);
    if (!allowed) throw new AppError("forbidden", requirement.forbidden);
    c.set("member", member);
    await next();
  };
}
