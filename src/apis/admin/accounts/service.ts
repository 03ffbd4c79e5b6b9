// Account writes that own both halves: the database write (with its audit row) and the KV mirror the
// edge answers from. The database commits first; a failed KV write is logged and healed by the
// scheduled re-sync (src/edge/account-resync.ts), never left to answer stale state forever.
import type { Database } from "../../../db/client";
import type { AccountStatus } from "../../../db/schema";
import { mirror, writeAccountState } from "../../../edge/kv-state";
import { edgeStateOf } from "../../../ledger/accounts";
import type { AuditMeta } from "../audit/record";
import { insertAccount, setAccountStatus } from "./queries";
import type { AccountShown } from "./render";

const mirrorAccount = (kv: KVNamespace, row: AccountShown) =>
  mirror(`account ${row.id}`, writeAccountState(kv, row.id, edgeStateOf(row)));

/** The new account, mirrored to KV; null when the workspace does not exist. */
export async function createAccount(
  db: Database,
  kv: KVNamespace,
  meta: AuditMeta,
  account: Parameters<typeof insertAccount>[2],
) {
  const row = await insertAccount(db, meta, account);
  if (row) await mirrorAccount(kv, row);
  return row;
}

/** The account with its new status, mirrored to KV; undefined when there is no such account. */
export async function changeAccountStatus(
  db: Database,
  kv: KVNamespace,
  meta: AuditMeta,
  accountId: string,
  status: AccountStatus,
) {
  const row = await setAccountStatus(db, meta, accountId, status);
  if (row) await mirrorAccount(kv, row);
  return row;
}
