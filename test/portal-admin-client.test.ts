// The portal's admin client (src/portal/admin-client.ts): a call names a route object (its types are
// checked by `npm run typecheck` in portal-admin-client.types.ts), the URL is built from the route's path
// with every {param} filled in, and a success body is parsed with the route's own schema, so a call that
// drifts from its route fails loudly.
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import * as accounts from "../src/apis/admin/accounts/routes";
import * as apiKeys from "../src/apis/admin/api-keys/routes";
import * as approvals from "../src/apis/admin/approvals/routes";
import * as audit from "../src/apis/admin/audit/routes";
import * as deliveries from "../src/apis/admin/deliveries/routes";
import * as entries from "../src/apis/admin/entries/routes";
import * as gateway from "../src/apis/admin/gateway/routes";
import * as ledger from "../src/apis/admin/ledger/routes";
import * as members from "../src/apis/admin/members/routes";
import * as oauthClients from "../src/apis/admin/oauth-clients/routes";
import * as operators from "../src/apis/admin/operators/routes";
import * as overview from "../src/apis/admin/overview/routes";
import * as payments from "../src/apis/admin/payments/routes";
import * as reconciliations from "../src/apis/admin/reconciliations/routes";
import * as upstreams from "../src/apis/admin/upstreams/routes";
import * as workspaces from "../src/apis/admin/workspaces/routes";
import type { AppEnv } from "../src/env";
import { jsonContent } from "../src/http/openapi";
import { type AdminClient, type AdminRoute, adminClient, adminPath } from "../src/portal/admin-client";
import { tenant } from "./helpers";

/** The admin client inside a tiny Hono app, dispatching to the real worker (as the portal does in-process). */
async function withClient<T>(use: (admin: AdminClient, c: Parameters<AdminClient["call"]>[0]) => Promise<T>) {
  const app = new Hono<AppEnv>();
  const results: ({ ran: true; value: T } | { ran: false; error: unknown })[] = [];
  app.get("/", async (c) => {
    try {
      results.push({
        ran: true,
        value: await use(
          adminClient((request) => SELF.fetch(request)),
          c,
        ),
      });
    } catch (error) {
      results.push({ ran: false, error });
    }
    return c.text("done");
  });
  await app.request("https://api.test/", {}, env, createExecutionContext());
  const [result] = results;
  if (result === undefined) throw new Error("the handler did not run");
  if (!result.ran) throw result.error;
  return result.value;
}

describe("portal admin client: paths from routes", () => {
  it("fills each {param} of the route's path, URL-encoded", () => {
    expect(adminPath(oauthClients.revokeOAuthClient, { workspace_id: "w-1", client_id: "a/b c?d" })).toBe(
      "/workspaces/w-1/oauth-clients/a%2Fb%20c%3Fd",
    );
    expect(adminPath(ledger.listSystemAccountEntries, { code: "clearing:sms_gateway" })).toBe(
      "/ledger/system-accounts/clearing%3Asms_gateway/entries",
    );
    expect(adminPath(overview.getOverview)).toBe("/overview");
  });

  it("throws when a parameter of the path is not given, or one given is not in the path", () => {
    expect(() => adminPath(apiKeys.revokeWorkspaceApiKey, { workspace_id: "w" })).toThrow(
      "admin route /workspaces/{workspace_id}/api-keys/{id}: no value for {id}",
    );
    expect(() => adminPath(apiKeys.revokeApiKey, { id: "k", workspace_id: "w" })).toThrow(
      "admin route /api-keys/{id}: no {workspace_id} in its path",
    );
  });

  it("every admin route object is served by the admin API under its path and method", async () => {
    const modules = [
      accounts,
      apiKeys,
      approvals,
      audit,
      deliveries,
      entries,
      gateway,
      ledger,
      members,
      oauthClients,
      operators,
      overview,
      payments,
      reconciliations,
      upstreams,
      workspaces,
    ];
    const routes = modules.flatMap((m) =>
      Object.values(m).filter((v): v is AdminRoute & { operationId: string } => typeof v === "object"),
    );
    const doc = z
      .object({ paths: z.record(z.string(), z.record(z.string(), z.object({ operationId: z.string() }).loose())) })
      .parse(await (await SELF.fetch("https://api.test/openapi.json")).json());
    const served = routes.map((r) => doc.paths[`/admin/v1${r.path}`]?.[r.method]?.operationId ?? "missing");
    expect(served).toEqual(routes.map((r) => r.operationId));
    expect(routes.length).toBeGreaterThanOrEqual(50);
  });
});

describe("portal admin client: answers parsed with the route's schema", () => {
  it("answers a documented success with its body, and an error with its status and message", async () => {
    const t = await tenant(["balance.read"], { currency: "EUR" });
    const [found, missing] = await withClient(async ({ call }, c) => [
      await call(c, accounts.getAccount, { params: { account_id: t.account.id } }),
      await call(c, accounts.getAccount, { params: { account_id: "00000000-0000-4000-8000-000000000000" } }),
    ]);
    expect(found.ok && found.status === 200 && [found.body.id, found.body.currency]).toEqual([t.account.id, "EUR"]);
    expect(missing).toEqual({ ok: false, status: 404, message: "Account not found" });
  });

  it("answers a 204 route with an undefined body", async () => {
    const t = await tenant(["balance.read"]);
    const res = await withClient(({ call }, c) =>
      call(c, apiKeys.revokeWorkspaceApiKey, { params: { workspace_id: t.workspace.id, id: t.keyId } }),
    );
    expect(res).toEqual({ ok: true, status: 204, body: undefined });
  });

  it("fails loudly when the answer does not match the route's schema, or its status is not documented", async () => {
    const drifted = { ...overview.getOverview, responses: { 200: jsonContent(z.object({ nothing: z.string() }), "") } };
    await expect(withClient(({ call }, c) => call(c, drifted))).rejects.toThrow(/nothing/);
    const undocumented = { ...overview.getOverview, responses: { 201: jsonContent(z.object({}), "") } };
    await expect(withClient(({ call }, c) => call(c, undocumented))).rejects.toThrow(
      "admin route GET /overview answered 200, not documented",
    );
  });
});
