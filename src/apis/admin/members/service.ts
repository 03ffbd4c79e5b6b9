// Member writes that own both halves: the database write (with its audit row) and the token version
// mirrored in KV, which the edge checks member tokens against. The database commits first; a failed KV
// write is logged: every data statement re-checks the version in the database, and a KV miss reads it.
import { writeMemberTokenVersion } from "../../../auth/workspace-tokens";
import type { Database } from "../../../db/client";
import { mirror } from "../../../edge/kv-state";
import type { AuditMeta } from "../audit/record";
import { bumpTokenVersion, insertMember } from "./queries";

export async function addMember(
  db: Database,
  kv: KVNamespace,
  meta: AuditMeta,
  member: Parameters<typeof insertMember>[2],
) {
  const row = await insertMember(db, meta, member);
  if (typeof row !== "string") {
    await mirror(`member ${row.id}`, writeMemberTokenVersion(kv, row.id, row.tokenVersion));
  }
  return row;
}

/** Every token of the member stops, at the edge at once; false when there is no such member. */
export async function revokeMemberTokens(
  db: Database,
  kv: KVNamespace,
  meta: AuditMeta,
  memberId: string,
  workspaceId?: string,
) {
  const tokenVersion = await bumpTokenVersion(db, meta, memberId, workspaceId);
  if (tokenVersion === undefined) return false;
  await mirror(`member ${memberId}`, writeMemberTokenVersion(kv, memberId, tokenVersion));
  return true;
}
