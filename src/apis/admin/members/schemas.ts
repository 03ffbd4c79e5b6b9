// Bodies and answers of the members resource.
import { z } from "@hono/zod-openapi";
import { MEMBER_PERMISSIONS, TOKEN_TTL } from "../../../auth/workspace-tokens";
import { MEMBER_ROLES } from "../../../db/schema";
import { WorkspaceMemberSummary } from "../workspaces/schemas";

export const CreateMember = z
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

export const Member = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(MEMBER_ROLES),
    permissions: z.array(z.enum(MEMBER_PERMISSIONS)),
  })
  .openapi("WorkspaceMember");

export const CreateToken = z
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

export const MemberToken = z
  .object({
    token: z.string().openapi({ description: "Bearer token for the workspace API (HS256 JWT)" }),
    expires_at: z.string().openapi({ example: "2026-01-15T11:30:00.000Z" }),
  })
  .openapi("WorkspaceMemberToken");

export const MemberList = z
  .object({ members: z.array(WorkspaceMemberSummary), next_cursor: z.string().nullable() })
  .openapi("WorkspaceMemberList");
