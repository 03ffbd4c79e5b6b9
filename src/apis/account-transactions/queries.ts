// Spec 002's statements. The list is the ledger's own offset page (src/ledger/queries.ts, entriesPage);
// the two writes are one posting each, guarded in the same statement by the key's tenant, its
// revocation, the account's suspension, the overdraft limit and the currency's precision. Their text is
// compiled once per isolate (prepareWrite): only the request's values are bound.
import { sql } from "drizzle-orm";
import { apiKeyActive } from "../../auth/queries";
import type { Slot } from "../../db/prepared";
import type { LedgerType } from "../../db/schema";
import { prepareWrite } from "../../ledger/idempotency";
import type { SystemAccount } from "../../ledger/posting";
import { postingCall } from "../../ledger/queries";

export { entriesPage } from "../../ledger/queries";

type PostingSlot = "accountId" | "amount" | "workspaceId" | "apiKeyId" | "description" | "effectiveAt" | "metadata";

/** A posting by an API key on its account: every value a slot, the type and its counter-leg fixed. */
const postingOf = (type: LedgerType, counter: SystemAccount) =>
  prepareWrite<PostingSlot>(
    (slot: Slot<PostingSlot>) => ({
      result: postingCall({
        accountId: sql`${slot("accountId")}::uuid`,
        amount: sql`${slot("amount")}::numeric`,
        counter,
        workspaceId: sql`${slot("workspaceId")}::uuid`,
        apiKeyId: sql`${slot("apiKeyId")}::uuid`,
        source: "api",
        type,
        description: sql`${slot("description")}::text`,
        occurredAt: sql`${slot("effectiveAt")}::timestamptz`,
        metadata: sql`${slot("metadata")}::jsonb`,
        enforceOverdraft: true,
        requireNotSuspended: true,
      }),
    }),
    (slot) => apiKeyActive(slot("apiKeyId")),
  );

/** Add-funds: money that came in through the API (`clearing:api`); record-usage: earned (`revenue:usage`). */
export const addFundsPosting = postingOf("recharge", "clearing:api");
export const recordUsagePosting = postingOf("usage", "revenue:usage");
