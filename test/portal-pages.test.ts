// The back office's pages and forms under workerd: what they show, what their forms change, and that
// one workspace's page never shows or acts on another workspace's data.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  adjust,
  adminCall,
  callRoute,
  createKey,
  createWorkspace,
  expectStatus,
  importEntry,
  ledgerInvariant,
  query,
  routes,
  sql,
  tenant,
} from "./helpers";
import { inputValue, portal, signIn } from "./portal-helpers";

/** GET /api/v1/user/balance with an API key (spec 000), to see whether the key still works. */
const balance = (key: string) => callRoute(routes.userPayments.getBalance, {}, { "x-api-key": key });

let cookie: string;
beforeAll(async () => {
  cookie = await signIn();
});

const page = (path: string) => portal(path, { cookie });
const post = (path: string, form: Record<string, string | string[]>) => portal(path, { cookie, form });

describe("back office: account page", () => {
  it("posts a double-submitted adjustment once, and shows it with a balanced reconciliation", async () => {
    const t = await tenant(["payments.read"]);
    const html = (await page(`/portal/accounts/${t.account.id}`)).text;
    const key = inputValue(html, "idempotency_key")!;
    const form = { amount: "19.99", description: "Twice submitted", idempotency_key: key };
    const [a, b] = await Promise.all([
      post(`/portal/accounts/${t.account.id}/adjustments`, form),
      post(`/portal/accounts/${t.account.id}/adjustments`, form),
    ]);
    expect([a.status, b.status]).toEqual([303, 303]);
    expect(a.headers.get("location")).toBe(`/portal/accounts/${t.account.id}?done=posted`);
    expect((await ledgerInvariant(t.account.id)).count).toBe(1);
    const shown = (await page(`/portal/accounts/${t.account.id}?done=posted`)).text;
    expect(shown).toContain("Adjustment posted.");
    expect(shown).toContain("Twice submitted");
    expect(shown).toContain("19.99 EUR");
    expect(shown).toMatch(/1 entries sum to 19.99; balance 19.99: balanced/);
    // A new rendering carries a new key.
    expect(inputValue(shown, "idempotency_key")).not.toBe(key);
  });

  it("shows a refused adjustment's reason on the page and posts nothing", async () => {
    const t = await tenant(["payments.read"]);
    const key = inputValue((await page(`/portal/accounts/${t.account.id}`)).text, "idempotency_key")!;
    const res = await post(`/portal/accounts/${t.account.id}/adjustments`, {
      amount: "1.234",
      description: "too precise",
      idempotency_key: key,
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain("more than 2 decimal places");
    expect((await ledgerInvariant(t.account.id)).count).toBe(0);
  });

  it("draws one chart point per day of the chosen period and filters the entries", async () => {
    const t = await tenant(["payments.read"]);
    await adjust(t.account.id, 5, "portal one");
    await importEntry(t.account.id, { type: "usage", amount: "-1", description: "gateway one" });
    const html = (await page(`/portal/accounts/${t.account.id}?from=2026-11-01&to=2026-11-10`)).text;
    expect(html.match(/<circle class="point"/g)).toHaveLength(10);
    expect(html).toContain('data-date="2026-11-01"');
    expect(html).toContain('data-date="2026-11-10"');
    const filtered = (await page(`/portal/accounts/${t.account.id}?source=sms_gateway`)).text;
    expect(filtered).toContain("gateway one");
    expect(filtered).not.toContain("portal one");
    expect((await page(`/portal/accounts/${t.account.id}`)).text.match(/<circle class="point"/g)).toHaveLength(30);
  });

  it("suspends only through its confirmation page", async () => {
    const t = await tenant(["payments.read"]);
    const confirm = await page(`/portal/accounts/${t.account.id}/status?to=suspended`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain("Suspend this account?");
    const [before] = await query<{ status: string }>(sql`SELECT status FROM accounts WHERE id = ${t.account.id}`);
    expect(before!.status).toBe("active");
    const res = await post(`/portal/accounts/${t.account.id}/status`, { status: "suspended" });
    expect(res.status).toBe(303);
    const [after] = await query<{ status: string }>(sql`SELECT status FROM accounts WHERE id = ${t.account.id}`);
    expect(after!.status).toBe("suspended");
    expect(await env.EDGE_KV.get(`account:${t.account.id}`, "json")).toMatchObject({ status: "suspended" });
  });

  it("exports CSV through the admin route, and answers 404 pages for unknown ids", async () => {
    const t = await tenant(["payments.read"]);
    await adjust(t.account.id, "3.5", "csv");
    const csv = await page(`/portal/accounts/${t.account.id}/entries.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.text.split("\r\n")[1]).toMatch(/^\d+,"[^",]+","portal","adjustment","csv",3.50,"EUR",3.50$/);
    for (const path of [
      "/portal/accounts/00000000-0000-4000-8000-000000000000",
      "/portal/workspaces/00000000-0000-4000-8000-000000000000",
    ]) {
      const res = await page(path);
      expect(res.status, path).toBe(404);
      expect(res.text, path).toContain("not found");
    }
    expect((await page("/portal/accounts/not-a-uuid")).status).toBe(400);
  });
});

describe("back office: workspace page", () => {
  it("shows a new API key once, and revokes a key so that it gets 401 at once", async () => {
    const t = await tenant(["balance.read"]);
    const created = await post(`/portal/workspaces/${t.workspace.id}/api-keys`, {
      account_id: t.account.id,
      permissions: ["balance.read", "payments.read"],
      mode: "test",
    });
    expect(created.status).toBe(201);
    const key = /data-testid="secret">(sk_test_[0-9A-Za-z]{32})</.exec(created.text)?.[1];
    expect(key).toBeDefined();
    expect((await balance(key!)).status).toBe(200);
    expect((await page(`/portal/workspaces/${t.workspace.id}`)).text).not.toContain(key!);

    expect((await balance(t.key)).status).toBe(200);
    const revoked = await post(`/portal/workspaces/${t.workspace.id}/api-keys/${t.keyId}/revoke`, {});
    expect(revoked.status).toBe(303);
    expect((await balance(t.key)).status).toBe(401);
  });

  it("acts on nothing of another workspace through this workspace's page", async () => {
    const mine = await tenant(["balance.read"]);
    const theirs = await tenant(["balance.read"]);
    const member = expectStatus(
      await adminCall(routes.members.createMember, {
        params: { workspace_id: theirs.workspace.id },
        json: { email: "them@example.com", role: "owner" },
      }),
      201,
    );
    const base = `/portal/workspaces/${mine.workspace.id}`;
    const revoke = await post(`${base}/api-keys/${theirs.keyId}/revoke`, {});
    expect(revoke.status).toBe(404);
    expect((await balance(theirs.key)).status).toBe(200);
    const token = await post(`${base}/members/${member.id}/tokens`, {});
    expect(token.status).toBe(404);
    expect(token.text).not.toMatch(/data-testid="secret"/);
    const [row] = await query<{ v: number }>(
      sql`SELECT token_version AS v FROM workspace_members WHERE id = ${member.id}`,
    );
    expect((await post(`${base}/members/${member.id}/revoke-tokens`, {})).status).toBe(404);
    const [same] = await query<{ v: number }>(
      sql`SELECT token_version AS v FROM workspace_members WHERE id = ${member.id}`,
    );
    expect(same!.v).toBe(row!.v);
    const html = (await page(base)).text;
    for (const foreign of [theirs.keyId, theirs.account.id, member.id, "them@example.com"]) {
      expect(html).not.toContain(foreign);
    }
  });

  it("adds a member, issues a token shown once, and lists OAuth clients", async () => {
    const t = await tenant(["balance.read"]);
    const base = `/portal/workspaces/${t.workspace.id}`;
    expect(
      (await post(`${base}/members`, { email: "Staff@Example.com", role: "staff", permissions: "sms_payments.read" }))
        .status,
    ).toBe(303);
    const html = (await page(base)).text;
    expect(html).toContain("staff@example.com");
    const [member] = await query<{ id: string }>(
      sql`SELECT id::text AS id FROM workspace_members WHERE workspace_id = ${t.workspace.id}`,
    );
    const issued = await post(`${base}/members/${member!.id}/tokens`, {});
    expect(issued.status).toBe(201);
    expect(issued.text).toMatch(/data-testid="secret">ey[\w-]+\.[\w-]+\.[\w-]+</);
    const client = await post(`${base}/oauth-clients`, { name: "Shop backend", scopes: ["read", "write"] });
    expect(client.status).toBe(201);
    expect(client.text).toContain("Shop backend");
    const duplicate = await post(`${base}/members`, { email: "staff@example.com", role: "owner" });
    expect(duplicate.status).toBe(409);
    expect(duplicate.text).toContain("already exists");
  });

  it("retries a failing webhook from the workspace page", async () => {
    const t = await tenant(["balance.read"]);
    const id = `msg_portal${Math.random().toString(36).slice(2)}`;
    await query(sql`
      INSERT INTO webhook_deliveries (id, workspace_id, url, event_type, payload, status, attempts, last_error, last_attempt_at)
      VALUES (${id}, ${t.workspace.id}, 'https://127.0.0.1:9/hook', 'payment.status_changed', '{}', 'failed', 8,
        'HTTP 502', now())`);
    const html = (await page(`/portal/workspaces/${t.workspace.id}`)).text;
    expect(html).toContain("HTTP 502");
    expect(html).toContain(`/deliveries/${id}/retry`);
    const res = await post(`/portal/workspaces/${t.workspace.id}/deliveries/${id}/retry`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toContain("done=retried");
    const [row] = await query<{ status: string }>(sql`SELECT status FROM webhook_deliveries WHERE id = ${id}`);
    expect(row!.status).not.toBe("failed");
  });
});

describe("back office: overview and workspaces", () => {
  it("sets a manual gateway state and shows who set it and why", async () => {
    const res = await post("/portal/gateway-status", { status: "partial", reason: "maintenance window" });
    expect(res.status).toBe(303);
    const html = (await page("/portal")).text;
    expect(html).toContain('data-testid="gateway-effective">partial');
    expect(html).toContain("maintenance window");
    // The portal signs in with the bootstrap token here: "Set by" names it.
    expect(html).toMatch(/<dt>Set by<\/dt>\s*<dd>bootstrap<\/dd>/);
    await post("/portal/gateway-status", { status: "ok" });
    expect((await post("/portal/gateway-status", { status: "broken" })).status).toBe(400);
  });

  it("finds workspaces by the start of their name, and creates one", async () => {
    const tag = `Pq${Math.random().toString(36).slice(2, 8)}`;
    const made = await post("/portal/workspaces", { name: `${tag} Trading` });
    expect(made.status).toBe(303);
    const id = made.headers.get("location")!.split("/").pop()!;
    await createWorkspace(`Other ${tag}`);
    const html = (await page(`/portal/workspaces?q=${tag.toLowerCase()}`)).text;
    expect(html).toContain(`${tag} Trading`);
    expect(html).not.toContain(`Other ${tag}`);
    expect(html).toContain(`/portal/workspaces/${id}`);
    const key = await createKey(id, { permissions: ["payments.read"] });
    expect((await page(`/portal/workspaces/${id}`)).text).toContain(key.prefix);
  });
});
