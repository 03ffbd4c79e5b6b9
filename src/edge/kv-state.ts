// Edge state in Workers KV: answers that must not wait for the database. KV is eventually consistent
// (up to ~60 s between locations) and allows ~1 write/s per key: it is a hint for availability
// answers and a cache of key metadata, never the source of truth for money.
import { z } from "@hono/zod-openapi";
import type { AccountStatus } from "../db/schema";

export const GATEWAY_STATUSES = ["ok", "partial", "unavailable"] as const;
export type GatewayStatus = (typeof GATEWAY_STATUSES)[number];

export type GatewayState = { status: GatewayStatus; updated_at: string; reason?: string };
export type AccountEdgeState = { status: AccountStatus; currency: string; workspace_id: string };
export type CachedKey = {
  id: string;
  workspace_id: string;
  account_id: string | null;
  permissions: string[];
};

const GATEWAY_KEY = "gateway:sms";
const accountKey = (id: string) => `account:${id}`;
const apiKeyKey = (secretHash: string) => `apikey:${secretHash}`;

const gatewayStateSchema = z.object({
  status: z.enum(GATEWAY_STATUSES),
  updated_at: z.string(),
  reason: z.string().optional(),
});

/** The SMS gateway's state; "ok" when nothing was ever written (no monitor has spoken yet). */
export async function readGatewayState(kv: KVNamespace): Promise<GatewayState> {
  const parsed = gatewayStateSchema.safeParse(await kv.get(GATEWAY_KEY, "json"));
  return parsed.success ? parsed.data : { status: "ok", updated_at: new Date(0).toISOString() };
}

export async function writeGatewayState(kv: KVNamespace, state: GatewayState) {
  await kv.put(GATEWAY_KEY, JSON.stringify(state));
}

export async function readAccountState(kv: KVNamespace, accountId: string): Promise<AccountEdgeState | null> {
  return kv.get<AccountEdgeState>(accountKey(accountId), "json");
}

export async function writeAccountState(kv: KVNamespace, accountId: string, state: AccountEdgeState) {
  await kv.put(accountKey(accountId), JSON.stringify(state));
}

export async function readCachedKey(kv: KVNamespace, secretHash: string): Promise<CachedKey | null> {
  return kv.get<CachedKey>(apiKeyKey(secretHash), "json");
}

export async function cacheKey(kv: KVNamespace, secretHash: string, key: CachedKey, ttlSeconds: number) {
  await kv.put(apiKeyKey(secretHash), JSON.stringify(key), { expirationTtl: Math.max(60, ttlSeconds) });
}

export async function forgetKey(kv: KVNamespace, secretHash: string) {
  await kv.delete(apiKeyKey(secretHash));
}
