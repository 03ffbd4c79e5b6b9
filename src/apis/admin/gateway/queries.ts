// SQL of the gateway resource: the gateway's manual state lives in KV; its audit row (who set it, what it
// was before) is the database half of setting it.
import type { Database } from "../../../db/client";
import type { GatewayState } from "../../../edge/kv-state";
import { auditInsert } from "../audit/queries";
import type { AuditMeta } from "../audit/record";

export async function recordGatewayState(db: Database, meta: AuditMeta, before: GatewayState, after: GatewayState) {
  await db.execute(
    auditInsert(meta, {
      action: "gateway.set",
      targetType: "gateway",
      targetId: "sms",
      before: { status: before.status, source: before.source ?? null, set_by: before.set_by ?? null },
      after,
    }),
  );
}
