// The worker end to end in a few calls: it answers, its documents are served, and a tenant made through
// the admin API is what the admin API then shows.
import { describe, expect, it } from "vitest";
import { adjust, adminCall, assertStatus, expectStatus, rawCall, routes, tenant } from "./helpers";
import { openApiDocument } from "./openapi-doc";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("worker", () => {
  it("answers /health", async () => {
    const res = await rawCall("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok" });
  });

  it("serves its OpenAPI document with the five surfaces, and the reference page that reads it", async () => {
    const doc = await openApiDocument();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("payments-edge");
    for (const path of [
      "/api/v1/user/payments",
      "/api/paiements/api-key",
      "/v1/account/{accountId}/transactions",
      "/api/v1/workspace/{workspaceId}/sms/payments",
      "/payments/",
    ])
      expect(Object.keys(doc.paths), path).toContain(path);
    const docs = await rawCall("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
    expect(docs.text).toContain('"/openapi.json"');
  });

  it("creates a tenant through the admin API, which then shows it with its key, account and entry", async () => {
    const t = await tenant(["payments.read", "balance.read"]);
    expect(t.key).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    await adjust(t.account.id, "12.34", "smoke");

    const workspace = await adminCall(routes.workspaces.getWorkspace, { params: { workspace_id: t.workspace.id } });
    assertStatus(workspace, 200);
    expect(workspace.json).toMatchObject({ id: t.workspace.id, name: "Acme", members: [], oauth_clients: [] });
    expect(workspace.json.api_keys).toEqual([
      {
        id: t.keyId,
        prefix: t.key.slice(0, workspace.json.api_keys[0]!.prefix.length),
        mode: "test",
        permissions: ["payments.read", "balance.read"],
        account_id: t.account.id,
        created_at: expect.stringMatching(ISO),
        revoked_at: null,
      },
    ]);

    const account = await adminCall(routes.accounts.getAccount, { params: { account_id: t.account.id } });
    expect(account.json).toMatchObject({
      id: t.account.id,
      workspace_id: t.workspace.id,
      workspace_name: "Acme",
      currency: "EUR",
      balance: 12.34,
      reconciliation: { entries_sum: 12.34, entries_count: 1, difference: 0, balanced: true },
    });

    const entries = expectStatus(
      await adminCall(routes.entries.listEntries, { params: { account_id: t.account.id } }),
      200,
    );
    expect(entries.entries.map((e) => [e.source, e.type, e.amount, e.description])).toEqual([
      ["portal", "adjustment", 12.34, "smoke"],
    ]);
  });
});
