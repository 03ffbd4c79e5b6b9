// Spec 002's statements. The list is the ledger's own offset page (src/ledger/queries.ts, entriesPage);
// the two writes are one posting each, guarded in the same statement by the key's tenant, its
// revocation, the account's suspension, the overdraft limit and the currency's precision.
import type { ApiKeyPrincipal } from "../../auth/api-keys";
import type { Effect } from "../../ledger/idempotency";
import type { PostingRequest } from "../../ledger/posting";
import { postingCall } from "../../ledger/queries";

export { entriesPage } from "../../ledger/queries";

/** Effect of an add-funds or record-usage posting by `key` on its account. */
export const postingEffect = (
  key: ApiKeyPrincipal,
  accountId: string,
  posting: Pick<PostingRequest, "amount" | "type" | "description" | "occurredAt" | "metadata">,
): Effect => ({
  result: postingCall({
    ...posting,
    // Add-funds money came in through the API; usage is earned.
    counter: posting.type === "usage" ? "revenue:usage" : "clearing:api",
    accountId,
    workspaceId: key.workspace_id,
    apiKeyId: key.id,
    source: "api",
    enforceOverdraft: true,
    requireNotSuspended: true,
  }),
});
