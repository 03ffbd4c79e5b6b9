// Workspace member tokens (spec 003): short-lived HS256 JWTs signed with WORKSPACE_TOKEN_SECRET.
// Why signed tokens: the edge verifies them statelessly (signature + exp), with no database round trip.
// Why a version: revoking bumps the member's token_version in the database AND writes it to KV
// (`member:<id>`), so every token carrying an older `ver` is refused at once by this isolate. Other
// isolates remember the version for up to MEMO_TTL_MS (src/edge/isolate-memo.ts), and KV propagates to
// other locations within ~60 s; during that window a revoked token can pass the edge
// check there, but every data-bearing statement re-checks token_version in the database (see
// src/apis/sms-payments/queries.ts), so it still reads and writes nothing. The same holds if a KV
// refill after a miss races a revocation and puts back the older version until the next revocation.
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { sign, verify } from "hono/jwt";
import { MEMBER_ROLES, type workspaceMembers } from "../db/schema";
import { edgeMemo } from "../edge/isolate-memo";
import { refillLater } from "../edge/kv-state";
import type { AppEnv } from "../env";
import { database } from "../http/request-db";
import { hmacSha256Key } from "../lib/crypto";
import { memberTokenVersion } from "./queries";
import { verifiedOnce } from "./verified-tokens";

export const MEMBER_PERMISSIONS = ["sms_payments.read", "sms_payments.write"] as const;
export type MemberPermission = (typeof MEMBER_PERMISSIONS)[number];
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const TOKEN_TTL = { min: 60, max: 86_400, default: 3_600 } as const;

const claimsSchema = z.object({
  sub: z.uuid(),
  ws: z.uuid(),
  role: z.enum(MEMBER_ROLES),
  perms: z.array(z.string()),
  ver: z.number().int().min(0),
  iat: z.number().int(),
  exp: z.number().int(),
});

export type WorkspaceTokenClaims = z.infer<typeof claimsSchema>;

/** The authenticated member of a request, from its verified token. */
export type MemberPrincipal = {
  id: string;
  workspaceId: string;
  role: MemberRole;
  permissions: string[];
  tokenVersion: number;
};

/** Owners implicitly hold every permission; staff only those listed. */
export const memberCan = (m: Pick<MemberPrincipal, "role" | "permissions">, permission: MemberPermission) =>
  m.role === "owner" || m.permissions.includes(permission);

type MemberRow = Pick<
  typeof workspaceMembers.$inferSelect,
  "id" | "workspaceId" | "role" | "permissions" | "tokenVersion"
>;

export async function issueWorkspaceToken(secret: string, member: MemberRow, ttlSeconds: number) {
  const iat = Math.floor(Date.now() / 1000);
  const claims: WorkspaceTokenClaims = {
    sub: member.id,
    ws: member.workspaceId,
    role: member.role,
    perms: member.permissions,
    ver: member.tokenVersion,
    iat,
    exp: iat + ttlSeconds,
  };
  const token = await sign(claims, await hmacSha256Key(secret), "HS256");
  return { token, expiresAt: new Date(claims.exp * 1000) };
}

/** Signature, expiry and claim shape; null for anything else (tampered, expired, foreign, malformed). */
export async function verifyWorkspaceToken(secret: string, token: string): Promise<WorkspaceTokenClaims | null> {
  if (!secret) return null;
  return verifiedOnce("member", secret, token, async () => {
    try {
      const parsed = claimsSchema.safeParse(await verify(token, await hmacSha256Key(secret), "HS256"));
      return parsed.success ? { claims: parsed.data, exp: parsed.data.exp } : null;
    } catch {
      return null;
    }
  });
}

const memberKey = (memberId: string) => `member:${memberId}`;
/** How long a member's token version stays in KV without being written again. */
export const MEMBER_STATE_TTL_SECONDS = 7 * 86_400;
const memberStateSchema = z.object({ token_version: z.number().int() });

export async function writeMemberTokenVersion(kv: KVNamespace, memberId: string, tokenVersion: number) {
  // A TTL like every KV value: a missing entry is read from the database (and refilled), never trusted stale.
  await kv.put(memberKey(memberId), JSON.stringify({ token_version: tokenVersion }), {
    expirationTtl: MEMBER_STATE_TTL_SECONDS,
  });
  edgeMemo.set(memberKey(memberId), tokenVersion);
}

/**
 * The member's current token_version: KV first, the database on a miss (refilling KV).
 * Null when the member does not exist (deleted or never created).
 */
export async function currentTokenVersion<E extends AppEnv>(c: Context<E>, memberId: string): Promise<number | null> {
  // Remembered in the isolate like the other edge values (src/edge/isolate-memo.ts): every statement
  // that reads or writes data re-checks the version itself.
  const cached = await edgeMemo.get(memberKey(memberId), async () => {
    const parsed = memberStateSchema.safeParse(await c.env.EDGE_KV.get(memberKey(memberId), "json"));
    return parsed.success ? parsed.data.token_version : null;
  });
  if (cached !== null) return cached;
  const row = await memberTokenVersion(database(c), memberId);
  if (!row) return null;
  refillLater(
    c.executionCtx,
    "member token version",
    writeMemberTokenVersion(c.env.EDGE_KV, memberId, row.tokenVersion),
  );
  return row.tokenVersion;
}
