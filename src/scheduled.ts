// The Cron Trigger's work (every minute). Each task is independent: one failing does not stop the others.
import { expireApprovals } from "./apis/admin/approvals/queries";
import { purgeAbandonedImports } from "./apis/admin/reconciliations/queries";
import { createDatabase } from "./db/client";
import { resyncAccounts } from "./edge/account-resync";
import { runGatewayMonitor } from "./edge/gateway-monitor";
import { resyncGatewayState } from "./edge/gateway-resync";
import type { Bindings } from "./env";
import { purgeExpiredIdempotencyKeys } from "./ledger/queries";
import { requeueStrandedDeliveries } from "./outbound/deliveries";

async function purgeIdempotencyKeys(env: Bindings) {
  return purgeExpiredIdempotencyKeys(createDatabase(env));
}

/** Reconciliation imports whose Worker died mid-stream (still `importing` after an hour). */
async function purgeReconciliationImports(env: Bindings) {
  return purgeAbandonedImports(createDatabase(env));
}

/** Adjustment requests not approved within 7 days: marked expired, each with an audit row. */
async function expireAdjustmentRequests(env: Bindings) {
  return expireApprovals(createDatabase(env), `scheduled:${new Date().toISOString()}`);
}

/** A lost KV write of a manual gateway state is repaired first; the monitor (when configured) then decides. */
async function gatewayState(env: Bindings) {
  await resyncGatewayState(env);
  return runGatewayMonitor(env);
}

export async function runScheduled(env: Bindings) {
  const tasks = {
    gatewayState,
    strandedWebhooks: requeueStrandedDeliveries,
    purgeIdempotencyKeys,
    accountStates: resyncAccounts,
    purgeReconciliationImports,
    expireAdjustmentRequests,
  };
  const results = await Promise.allSettled(Object.values(tasks).map((task) => task(env)));
  results.forEach((result, i) => {
    if (result.status === "rejected") {
      console.error(JSON.stringify({ scheduled: Object.keys(tasks)[i], error: String(result.reason) }));
    }
  });
}
