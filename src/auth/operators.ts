// Operators' credentials: admin API tokens (`op_…`, stored as SHA-256 only) and Cloudflare Access
// identities (the `email` claim), each resolved to the enabled operator it names: KV first (briefly
// cached), then the database, which refills KV.
import type { Context } from "hono";
import {
  type CachedOperator,
  cacheOperator,
  operatorEmailKey,
  operatorTokenKey,
  readCachedOperator,
  refillLater,
} from "../edge/kv-state";
import { database } from "../http/request-db";
import { randomToken, sha256Hex } from "../lib/crypto";
import type { Actor, AdminEnv } from "./admin";
import { enabledOperatorByEmail, enabledOperatorByTokenHash } from "./queries";

const TOKEN_SHAPE = /^op_[0-9A-Za-z]{40}$/;

export const newOperatorToken = () => `op_${randomToken(40)}`;
export const operatorTokenHash = (token: string) => sha256Hex(token);

const actorOf = (o: CachedOperator): Actor => ({ id: o.id, email: o.email, role: o.role, bootstrap: false });

async function resolve(
  c: Context<AdminEnv>,
  key: string,
  load: () => Promise<CachedOperator | undefined>,
): Promise<Actor | null> {
  const cached = await readCachedOperator(c.env.EDGE_KV, key);
  if (cached) return actorOf(cached);
  const row = await load();
  if (!row) return null;
  refillLater(c.executionCtx, "operator", cacheOperator(c.env.EDGE_KV, key, row));
  return actorOf(row);
}

/** The enabled operator holding this token, or null. */
export async function resolveOperatorToken(c: Context<AdminEnv>, token: string): Promise<Actor | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const hash = await operatorTokenHash(token);
  return resolve(c, operatorTokenKey(hash), () => enabledOperatorByTokenHash(database(c), hash));
}

/** The enabled operator with this email (a verified Access identity), or null. */
export async function resolveOperatorEmail(c: Context<AdminEnv>, email: string): Promise<Actor | null> {
  const normalized = email.trim().toLowerCase();
  return resolve(c, operatorEmailKey(normalized), () => enabledOperatorByEmail(database(c), normalized));
}
