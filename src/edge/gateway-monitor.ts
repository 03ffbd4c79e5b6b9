// The SMS gateway availability monitor (Cron Trigger, every minute). It probes the gateway's health
// URL, looks at how recently the gateway sent an event, decides ok | partial | unavailable and writes
// KV only when the decision changes — plus a heartbeat well inside GATEWAY_STATUS_MAX_AGE_SECONDS so
// readers can tell a live monitor from a dead one (KV allows ~1 write/s per key; this writes at most
// once a minute).
import { createDatabase } from "../db/client";
import type { Bindings } from "../env";
import { gatewayEventsStaleAfter, gatewayStatusMaxAge } from "./gateway-config";
import { type GatewayState, type GatewayStatus, readGatewayState, writeGatewayState } from "./kv-state";
import { lastGatewayEventAt } from "./queries";

const PROBE_TIMEOUT_MS = 5_000;

type Probe = { health: "healthy" | "degraded" | "down"; detail: string };

/** GET the health URL: 2xx is healthy unless its JSON says degraded/partial; anything else is down. */
export async function probeGateway(url: string, fetcher: typeof fetch = fetch): Promise<Probe> {
  try {
    const res = await fetcher(url, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      headers: { accept: "application/json" },
    });
    if (!res.ok) return { health: "down", detail: `health check answered HTTP ${res.status}` };
    const body = (await res.json().catch(() => null)) as { status?: unknown } | null;
    const said = typeof body?.status === "string" ? body.status.toLowerCase() : "ok";
    if (["degraded", "partial"].includes(said)) return { health: "degraded", detail: `health check says ${said}` };
    if (["down", "unavailable", "error"].includes(said)) return { health: "down", detail: `health check says ${said}` };
    return { health: "healthy", detail: "health check passed" };
  } catch (err) {
    return { health: "down", detail: `health check failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Seconds since the newest gateway event, or null when unknown (no events yet, or no database). */
async function secondsSinceLastEvent(env: Bindings, now: Date): Promise<number | null> {
  try {
    const last = await lastGatewayEventAt(createDatabase(env));
    return last ? (now.getTime() - Date.parse(last)) / 1000 : null;
  } catch {
    return null;
  }
}

export function decide(
  probe: Probe,
  sinceLastEvent: number | null,
  staleAfter: number,
): { status: GatewayStatus; reason: string } {
  if (probe.health === "down") return { status: "unavailable", reason: probe.detail };
  if (probe.health === "degraded") return { status: "partial", reason: probe.detail };
  if (sinceLastEvent !== null && sinceLastEvent > staleAfter) {
    return { status: "partial", reason: `health check passed but no event for ${Math.round(sinceLastEvent)} s` };
  }
  return { status: "ok", reason: probe.detail };
}

/**
 * Records an observation of the gateway. Writes KV when the status changes, or as a heartbeat when the
 * stored state is older than half the max age; otherwise leaves KV alone. Returns whether it wrote.
 */
export async function recordGatewayObservation(
  kv: KVNamespace,
  maxAgeSeconds: number,
  observed: { status: GatewayStatus; reason: string },
  now = new Date(),
): Promise<{ state: GatewayState; wrote: "change" | "heartbeat" | null }> {
  const current = await readGatewayState(kv);
  const changed = current.status !== observed.status || current.source !== "monitor";
  const checkedAt = current.checked_at ? Date.parse(current.checked_at) : 0;
  const heartbeatDue = now.getTime() - checkedAt > (maxAgeSeconds * 1000) / 2;
  if (!changed && !heartbeatDue) return { state: current, wrote: null };
  const state: GatewayState = {
    status: observed.status,
    updated_at: changed ? now.toISOString() : current.updated_at,
    reason: changed ? observed.reason : current.reason,
    source: "monitor",
    checked_at: now.toISOString(),
  };
  await writeGatewayState(kv, state);
  return { state, wrote: changed ? "change" : "heartbeat" };
}

/** One monitor round. Idle (returns null) when no health URL is configured. */
export async function runGatewayMonitor(env: Bindings, now = new Date(), fetcher: typeof fetch = fetch) {
  const url = env.SMS_GATEWAY_HEALTH_URL;
  if (!url) return null;
  const [probe, since] = await Promise.all([probeGateway(url, fetcher), secondsSinceLastEvent(env, now)]);
  const decision = decide(probe, since, gatewayEventsStaleAfter(env));
  const result = await recordGatewayObservation(env.EDGE_KV, gatewayStatusMaxAge(env), decision, now);
  if (result.wrote === "change") console.log(JSON.stringify({ monitor: "sms_gateway", ...decision }));
  return { ...decision, wrote: result.wrote };
}
