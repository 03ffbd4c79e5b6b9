// Edge state in Workers KV: answers that must not wait for the database. KV is eventually consistent
// (up to ~60 s between locations) and allows ~1 write/s per key: it is a hint for availability
// answers and a cache of key metadata, never the source of truth for money.
import { z } from "@hono/zod-openapi";
import type { Database } from "../db/client";
import { ACCOUNT_STATUSES, type AccountStatus } from "../db/schema";
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
  /** Who set an admin state: the operator's email, or `bootstrap`. */
  set_by?: string;
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

export const gatewayStateSchema = z.object({
  status: z.enum(GATEWAY_STATUSES),
  updated_at: z.string(),
  reason: z.string().optional(),
  source: z.enum(["monitor", "admin"]).optional(),
  checked_at: z.string().optional(),
  set_by: z.string().optional(),
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

/** The state as KV holds it now (not the isolate's memo), or null: for the scheduled re-sync. */
export async function readStoredGatewayState(kv: KVNamespace): Promise<GatewayState | null> {
  return gatewayStateSchema.safeParse(await kv.get(GATEWAY_KEY, "json")).data ?? null;
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

const accountStateSchema = z.object({
  status: z.enum(ACCOUNT_STATUSES),
  currency: z.string(),
  workspace_id: z.string(),
});
const cachedKeySchema = z.object({
  id: z.string(),
  workspace_id: z.string(),
  account_id: z.string().nullable(),
  permissions: z.array(z.string()),
});

/**
 * How long an account's KV state lives without being written again. The scheduled re-sync
 * (src/edge/account-resync.ts) renews every entry older than ACCOUNT_STATE_RENEW_AFTER_SECONDS, so a
 * live account's entry never expires and its answers stay answers from KV alone.
 */
export const ACCOUNT_STATE_TTL_SECONDS = 7 * 86_400;
export const ACCOUNT_STATE_RENEW_AFTER_SECONDS = 86_400;

/** A KV value read through its schema: anything else (a value of an older shape, junk) is a miss. */
const parsed = <T>(schema: z.ZodType<T>, value: unknown): T | null => {
  const result = schema.safeParse(value);
  return result.success ? result.data : null;
};

export async function readAccountState(kv: KVNamespace, accountId: string): Promise<AccountEdgeState | null> {
  const key = accountKey(accountId);
  return edgeMemo.get(key, async () => parsed(accountStateSchema, await kv.get(key, "json")));
}

/** The stored state and when it was written (its metadata), for the re-sync. */
export async function readAccountStateForSync(kv: KVNamespace, accountId: string) {
  const { value, metadata } = await kv.getWithMetadata(accountKey(accountId), "json");
  return {
    state: parsed(accountStateSchema, value),
    syncedAt: parsed(z.object({ synced_at: z.number() }), metadata)?.synced_at ?? null,
  };
}

export async function writeAccountState(kv: KVNamespace, accountId: string, state: AccountEdgeState, now = Date.now()) {
  const value: AccountEdgeState = { status: state.status, currency: state.currency, workspace_id: state.workspace_id };
  await kv.put(accountKey(accountId), JSON.stringify(value), {
    expirationTtl: ACCOUNT_STATE_TTL_SECONDS,
    metadata: { synced_at: now },
  });
  edgeMemo.set(accountKey(accountId), value);
}

export async function readCachedKey(kv: KVNamespace, secretHash: string): Promise<CachedKey | null> {
  const key = apiKeyKey(secretHash);
  return edgeMemo.get(key, async () => parsed(cachedKeySchema, await kv.get(key, "json")));
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

/**
 * The KV half of a write whose database half has committed: a failure is logged, not raised (the
 * database is the truth, and the scheduled re-sync heals the mirror), so the caller answers what was done.
 */
export async function mirror(what: string, write: Promise<unknown>): Promise<void> {
  await write.catch((err) => console.error(JSON.stringify({ kvMirrorFailed: what, error: String(err) })));
}

/** A named operator as the admin guard sees it, cached briefly by token hash or Access email. */
export type CachedOperator = { id: string; email: string; role: "viewer" | "operator" | "approver" | "admin" };
const cachedOperatorSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(["viewer", "operator", "approver", "admin"]),
});
/** Short: a role change or a disable also deletes the entry, and this bounds any entry a failed delete left. */
export const OPERATOR_CACHE_TTL_SECONDS = 60;
export const operatorTokenKey = (tokenHash: string) => `operator:token:${tokenHash}`;
export const operatorEmailKey = (email: string) => `operator:email:${email}`;

export async function readCachedOperator(kv: KVNamespace, key: string): Promise<CachedOperator | null> {
  return edgeMemo.get(key, async () => parsed(cachedOperatorSchema, await kv.get(key, "json")));
}

export async function cacheOperator(kv: KVNamespace, key: string, operator: CachedOperator) {
  await kv.put(key, JSON.stringify(operator), { expirationTtl: OPERATOR_CACHE_TTL_SECONDS });
  edgeMemo.set(key, operator);
}

export async function forgetOperator(kv: KVNamespace, keys: string[]) {
  for (const key of keys) edgeMemo.forget(key);
  await Promise.all(keys.map((key) => kv.delete(key)));
}
