// The scheduled re-sync of the account states that the edge answers from (KV): any account whose KV
// entry is missing, unreadable or disagrees with the database is written again, and entries nearing
// their TTL are renewed. Each run compares one slice of all accounts (a cursor kept in KV walks them) and
// every account changed lately, so a KV write that failed after its commit heals within one run.
import { z } from "@hono/zod-openapi";
import { createDatabase } from "../db/client";
import type { Bindings } from "../env";
import { ACCOUNT_STATE_RENEW_AFTER_SECONDS, readAccountStateForSync, writeAccountState } from "./kv-state";
import { accountsToResync } from "./queries";

/** Accounts compared per run (every minute): a million accounts are all compared about every 17 hours. */
export const RESYNC_SLICE = 1_000;
const CURSOR_KEY = "resync:accounts:cursor";

export async function resyncAccounts(env: Bindings, now = Date.now()) {
  const kv = env.EDGE_KV;
  const cursor = z.uuid().safeParse(await kv.get(CURSOR_KEY)).data ?? null;
  const rows = await accountsToResync(createDatabase(env), cursor, RESYNC_SLICE);
  let written = 0;
  await Promise.all(
    rows.map(async (row) => {
      const { state, syncedAt } = await readAccountStateForSync(kv, row.id);
      const agrees =
        state?.status === row.status && state.currency === row.currency && state.workspace_id === row.workspace_id;
      const fresh = syncedAt !== null && now - syncedAt < ACCOUNT_STATE_RENEW_AFTER_SECONDS * 1000;
      if (agrees && fresh) return;
      await writeAccountState(
        kv,
        row.id,
        { status: row.status, currency: row.currency, workspace_id: row.workspace_id },
        now,
      );
      written++;
    }),
  );
  const slice = rows.filter((r) => r.in_slice);
  const last = slice.at(-1);
  // A short slice is the end of the accounts: the next run starts again from the first.
  if (slice.length === RESYNC_SLICE && last) await kv.put(CURSOR_KEY, last.id);
  else await kv.delete(CURSOR_KEY);
  return { compared: rows.length, written };
}
