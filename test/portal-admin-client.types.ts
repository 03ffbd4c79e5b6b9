// Compiled by `npm run typecheck`, never run: the portal admin client's types follow the routes (a call
// that names a parameter, query field or body its route does not have is a compile error).
import { expectTypeOf } from "vitest";
import * as apiKeys from "../src/apis/admin/api-keys/routes";
import * as approvals from "../src/apis/admin/approvals/routes";
import * as entries from "../src/apis/admin/entries/routes";
import * as overview from "../src/apis/admin/overview/routes";
import * as reconciliations from "../src/apis/admin/reconciliations/routes";
import type { AdminClient } from "../src/portal/admin-client";

export function typesFollowTheRoutes({ call }: AdminClient, c: Parameters<AdminClient["call"]>[0]) {
  return async () => {
    // @ts-expect-error the path's {id} is missing
    await call(c, apiKeys.revokeWorkspaceApiKey, { params: { workspace_id: "w" } });
    // @ts-expect-error no {key} in this route's path
    await call(c, apiKeys.revokeWorkspaceApiKey, { params: { workspace_id: "w", id: "k", key: "k" } });
    // @ts-expect-error a route with path parameters needs its input
    await call(c, apiKeys.listApiKeys);
    // @ts-expect-error no parameters in /overview
    await call(c, overview.getOverview, { params: { id: "x" } });
    // @ts-expect-error the key's body is required
    await call(c, apiKeys.createApiKey, { params: { workspace_id: "w" } });
    // @ts-expect-error no such query parameter
    await call(c, apiKeys.listApiKeys, { params: { workspace_id: "w" }, query: { page: "2" } });
    // @ts-expect-error approve takes no body
    await call(c, approvals.approveApproval, { params: { id: "a" }, json: {} });
    // @ts-expect-error the report import sends the CSV as a raw body
    await call(c, reconciliations.importReconciliation, { query: { upstream: "", currency: "", from: "", to: "" } });
    // An optional body may be left out.
    await call(c, approvals.rejectApproval, { params: { id: "a" } });

    const posted = await call(c, entries.createAdjustment, {
      params: { account_id: "a" },
      json: { amount: "1.00", description: "d" },
    });
    if (posted.ok && posted.status === 201) expectTypeOf(posted.body.transaction_id).toEqualTypeOf<number>();
    if (posted.ok && posted.status === 202) expectTypeOf(posted.body.approval.status).toBeString();
    if (posted.ok) expectTypeOf(posted.status).toEqualTypeOf<201 | 202>();
    const revoked = await call(c, apiKeys.revokeApiKey, { params: { id: "k" } });
    if (revoked.ok) expectTypeOf(revoked.body).toEqualTypeOf<undefined>();
    if (!revoked.ok) expectTypeOf(revoked.message).toEqualTypeOf<string>();
  };
}
