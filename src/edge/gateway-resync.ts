// The scheduled re-sync of the gateway's manual state: the audit trail holds every state an operator set
// (gateway.set), and KV the one the APIs answer from. When KV holds an older state than the newest one
// set lately, the KV write was lost after its commit: the audited state is written again. A newer state
// in KV (the monitor's, or a later set) is left alone.
import { createDatabase } from "../db/client";
import type { Bindings } from "../env";
import { gatewayStateSchema, readStoredGatewayState, writeGatewayState } from "./kv-state";
import { latestGatewaySet } from "./queries";

export async function resyncGatewayState(env: Bindings): Promise<{ written: boolean }> {
  const audited = gatewayStateSchema.safeParse(await latestGatewaySet(createDatabase(env)));
  if (!audited.success) return { written: false };
  const stored = await readStoredGatewayState(env.EDGE_KV);
  if (stored && Date.parse(stored.updated_at) >= Date.parse(audited.data.updated_at)) return { written: false };
  await writeGatewayState(env.EDGE_KV, audited.data);
  return { written: true };
}
