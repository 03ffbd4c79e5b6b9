// An account's edge state (KV first, the database on a miss). Plain arguments only: the ledger never
// sees an HTTP request, and builds no API's JSON (the admin API's is src/apis/admin/accounts/render.ts).
import type { accounts } from "../db/schema";
import {
  type AccountEdgeState,
  type EdgeSources,
  readAccountState,
  refillLater,
  writeAccountState,
} from "../edge/kv-state";
import { findAccount } from "./queries";

export const edgeStateOf = (
  a: Pick<typeof accounts.$inferSelect, "status" | "currency" | "workspaceId">,
): AccountEdgeState => ({
  status: a.status,
  currency: a.currency,
  workspace_id: a.workspaceId,
});

/**
 * An account's edge state (status, currency, workspace): KV first, the database on a miss (refilling
 * KV). Null when the account does not exist.
 */
export async function accountEdgeState(from: EdgeSources, accountId: string): Promise<AccountEdgeState | null> {
  const cached = await readAccountState(from.kv, accountId);
  if (cached) return cached;
  const row = await findAccount(from.db(), accountId);
  if (!row) return null;
  const state = edgeStateOf(row);
  refillLater(from.later, "account state", writeAccountState(from.kv, accountId, state));
  return state;
}
