// Setting the gateway's manual state owns both halves: the audit row (the database half, which holds the
// state as set) and the KV entry every API answers from. A KV write lost after the commit is healed by
// the scheduled re-sync (src/edge/gateway-resync.ts), which rewrites the newest audited state.
import type { Database } from "../../../db/client";
import {
  type GatewayState,
  type GatewayStatus,
  mirror,
  readGatewayState,
  writeGatewayState,
} from "../../../edge/kv-state";
import type { AuditMeta } from "../audit/record";
import { recordGatewayState } from "./queries";

export async function setGatewayState(
  db: Database,
  kv: KVNamespace,
  meta: AuditMeta,
  change: { status: GatewayStatus; reason?: string },
): Promise<GatewayState> {
  const state: GatewayState = {
    status: change.status,
    updated_at: new Date().toISOString(),
    reason: change.reason ?? "set by portal admin",
    source: "admin",
    set_by: meta.actorEmail,
  };
  await recordGatewayState(db, meta, await readGatewayState(kv), state);
  await mirror("gateway state", writeGatewayState(kv, state));
  return state;
}
