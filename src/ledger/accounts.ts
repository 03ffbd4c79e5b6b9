import { eq } from "drizzle-orm";
import type { Context } from "hono";
import type { Database } from "../db/client";
import { database } from "../db/request-db";
import { accounts } from "../db/schema";
import { type AccountEdgeState, readAccountState, refillLater, writeAccountState } from "../edge/kv-state";
import type { AppEnv } from "../env";
import { toJsonNumber } from "../lib/money";

export type AccountRow = typeof accounts.$inferSelect;

export const accountToJson = (a: AccountRow) => ({
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
export async function accountEdgeState<E extends AppEnv>(
  c: Context<E>,
  accountId: string,
): Promise<AccountEdgeState | null> {
  const cached = await readAccountState(c.env.EDGE_KV, accountId);
  if (cached) return cached;
  const row = await findAccount(database(c), accountId);
  if (!row) return null;
  const state = edgeStateOf(row);
  refillLater(c.executionCtx, "account state", writeAccountState(c.env.EDGE_KV, accountId, state));
  return state;
}
