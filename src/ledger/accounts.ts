// Accounts: the row as the admin API shows it, and an account's edge state (KV first, the database on a
// miss). Plain arguments only: the ledger never sees an HTTP request.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { accounts } from "../db/schema";
import {
  type AccountEdgeState,
  type EdgeSources,
  readAccountState,
  refillLater,
  writeAccountState,
} from "../edge/kv-state";
import { toJsonNumber } from "../lib/money";

export type AccountRow = typeof accounts.$inferSelect;

/** The columns the admin API shows (statements that write an account return these, camel-cased). */
export type AccountShown = Pick<
  AccountRow,
  "id" | "workspaceId" | "currency" | "status" | "balance" | "overdraftLimit"
>;

export const accountToJson = (a: AccountShown) => ({
  id: a.id,
  workspace_id: a.workspaceId,
  currency: a.currency,
  status: a.status,
  balance: toJsonNumber(a.balance),
  overdraft_limit: toJsonNumber(a.overdraftLimit),
});

export const edgeStateOf = (a: Pick<AccountRow, "status" | "currency" | "workspaceId">): AccountEdgeState => ({
  status: a.status,
  currency: a.currency,
  workspace_id: a.workspaceId,
});

export async function findAccount(db: Database, id: string): Promise<AccountRow | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id)).limit(1);
  return row;
}

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
