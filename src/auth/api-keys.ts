// API keys: `sk_test_…` / `sk_live_…`, stored as SHA-256 only. Metadata is cached in KV so that
// answers decided at the edge (setup, gateway unavailable) need no database; every answer that reads
// the database re-checks revocation there (see ledger queries), so revocation is exact for data.
import type { Context } from "hono";
import { IsolateMemo } from "../edge/isolate-memo";
import { type CachedKey, cacheKey, readCachedKey, refillLater } from "../edge/kv-state";
import type { AppEnv } from "../env";
import { database } from "../http/request-db";
import { randomToken, sha256Hex } from "../lib/crypto";
import { activeApiKeyByHash } from "./queries";

export type ApiKeyPrincipal = CachedKey;

export const API_KEY_PERMISSIONS = [
  "payments.read",
  "payments.write",
  "balance.read",
  "transactions.read",
  "funds.write",
  "usage.write",
] as const;

export function newApiKeySecret(mode: "test" | "live") {
  const key = `sk_${mode}_${randomToken(32)}`;
  return { key, prefix: key.slice(0, 12) };
}

const KEY_SHAPE = /^sk_(test|live)_[0-9A-Za-z]{32}$/;

/**
 * Presented key → its SHA-256, for the isolate's busiest keys: a pure function, so never stale (revocation
 * is decided by the hash's KV entry and the database), and it spares a digest on every request.
 */
const keyHashes = new IsolateMemo(10 * 60_000);

/**
 * Resolves a presented key to its principal: KV first, then the database (which refills KV).
 * Returns null for a missing, malformed, unknown or revoked key.
 */
export async function resolveApiKey<E extends AppEnv>(
  c: Context<E>,
  presented: string | undefined,
): Promise<ApiKeyPrincipal | null> {
  if (!presented || !KEY_SHAPE.test(presented)) return null;
  const secretHash = (await keyHashes.get(presented, () => sha256Hex(presented))) ?? "";
  const cached = await readCachedKey(c.env.EDGE_KV, secretHash);
  if (cached) return cached;
  const row = await activeApiKeyByHash(database(c), secretHash);
  if (!row) return null;
  refillLater(c.executionCtx, "api key", cacheKey(c.env.EDGE_KV, secretHash, row, keyCacheTtl(c.env)));
  return row;
}

export const keyCacheTtl = (env: { KEY_CACHE_TTL_SECONDS?: string }) => Number(env.KEY_CACHE_TTL_SECONDS ?? 300) || 300;
