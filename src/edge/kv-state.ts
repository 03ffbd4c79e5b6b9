// Edge state in Workers KV: answers that must not wait for the database. KV is eventually consistent
// (up to ~60 s between locations) and allows ~1 write/s per key: it is a hint for availability
// answers and a cache of key metadata, never the source of truth for money.
import { z } from "@hono/zod-openapi";
import type { Database } from "../db/client";
import type { AccountStatus } from "../db/schema";
import { edgeMemo } from "./isolate-memo";

export const GATEWAY_STATUSES = ["ok", "partial", "unavailable"] as const;
export type GatewayStatus = (typeof GATEWAY_STATUSES)[number];

export type GatewayState = {
  status: GatewayStatus;
  /** When the status last CHANGED. */
  updated_at: string;
  reason?: string;
  /** Who decided it: the scheduled monitor (which also refreshes checked_at) or a portal admin. */
  source?: "monitor" | "admin";
  /** When the monitor last confirmed it (monitor states only). */
  checked_at?: string;
};
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
  source: z.enum(["monitor", "admin"]).optional(),
  checked_at: z.string().optional(),
});

/** No state written yet (no monitor has spoken): ok. */
const NO_GATEWAY_STATE: GatewayState = Object.freeze({ status: "ok", updated_at: new Date(0).toISOString() });

/**
 * The SMS gateway's state; "ok" when nothing was ever written. The absence is remembered like a value
 * (every request reads this key: a fresh deployment must not read KV on each of them).
 */
export async function readGatewayState(kv: KVNamespace): Promise<GatewayState> {
  const state = await edgeMemo.get(GATEWAY_KEY, async () => {
    const parsed = gatewayStateSchema.safeParse(await kv.get(GATEWAY_KEY, "json"));
    return parsed.success ? parsed.data : NO_GATEWAY_STATE;
  });
  return state ?? NO_GATEWAY_STATE;
}

export async function writeGatewayState(kv: KVNamespace, state: GatewayState) {
  await kv.put(GATEWAY_KEY, JSON.stringify(state));
  edgeMemo.set(GATEWAY_KEY, state);
}

/** Back to "no state written" (which answers ok). */
export async function clearGatewayState(kv: KVNamespace) {
  await kv.delete(GATEWAY_KEY);
  edgeMemo.forget(GATEWAY_KEY);
}

export type EffectiveGatewayState = GatewayState & { effective_status: GatewayStatus; unknown: boolean };

/**
 * What the APIs answer from. A monitor-written state that the monitor has not confirmed within
 * `maxAgeSeconds` is UNKNOWN (the monitor itself may be down), and unknown answers as `partial`:
 * portal adjustments come from our own ledger and stay trustworthy; gateway-derived history might not.
 * Admin-set states are deliberate overrides and do not age. No state at all means `ok`.
 */
export async function readEffectiveGatewayState(
  kv: KVNamespace,
  maxAgeSeconds: number,
  now = Date.now(),
): Promise<EffectiveGatewayState> {
  const state = await readGatewayState(kv);
  const checkedAt = state.checked_at ? Date.parse(state.checked_at) : Number.NaN;
  const unknown = state.source === "monitor" && !(now - checkedAt <= maxAgeSeconds * 1000);
  return { ...state, effective_status: unknown ? "partial" : state.status, unknown };
}

export async function readAccountState(kv: KVNamespace, accountId: string): Promise<AccountEdgeState | null> {
  const key = accountKey(accountId);
  return edgeMemo.get(key, () => kv.get<AccountEdgeState>(key, "json"));
}

export async function writeAccountState(kv: KVNamespace, accountId: string, state: AccountEdgeState) {
  await kv.put(accountKey(accountId), JSON.stringify(state));
  edgeMemo.set(accountKey(accountId), state);
}

export async function readCachedKey(kv: KVNamespace, secretHash: string): Promise<CachedKey | null> {
  const key = apiKeyKey(secretHash);
  return edgeMemo.get(key, () => kv.get<CachedKey>(key, "json"));
}

export async function cacheKey(kv: KVNamespace, secretHash: string, key: CachedKey, ttlSeconds: number) {
  await kv.put(apiKeyKey(secretHash), JSON.stringify(key), { expirationTtl: Math.max(60, ttlSeconds) });
  edgeMemo.set(apiKeyKey(secretHash), key);
}

/** Revocation: KV-decided answers stop here at once, elsewhere within KV's window plus MEMO_TTL_MS. */
export async function forgetKey(kv: KVNamespace, secretHash: string) {
  await kv.delete(apiKeyKey(secretHash));
  edgeMemo.forget(apiKeyKey(secretHash));
}

/**
 * Where an edge read looks: KV, then on a miss the database (made only then, so a KV hit touches
 * nothing) and a refill of KV after the response.
 */
export type EdgeSources = { kv: KVNamespace; db: () => Database; later: Pick<ExecutionContext, "waitUntil"> };

/**
 * Refills a KV cache entry after the response, without failing anything: KV allows ~1 write/s per
 * key, so a burst of cold requests for the same key may see some refills refused (the data is
 * already in KV or in the database either way).
 */
export function refillLater(ctx: Pick<ExecutionContext, "waitUntil">, what: string, write: Promise<unknown>) {
  ctx.waitUntil(write.catch((err) => console.warn(JSON.stringify({ kvRefillFailed: what, error: String(err) }))));
}
