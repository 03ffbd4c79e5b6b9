// Every check inside the posting (ledger_post, drizzle/functions/30_ledger_post.sql) on its own. The
// edge checks first from KV; here the KV copy is forged so the edge lets the request through, and only
// the posting's own WHERE clause stands between the request and the balance. Each test fails if its
// condition is removed from ledger_post.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { cacheKey, writeAccountState } from "../src/edge/kv-state";
import { sha256Hex } from "../src/lib/crypto";
import {
  assertStatus,
  callRoute,
  createAccount,
  createKey,
  createWorkspace,
  ledgerInvariant,
  type Permission,
  revokeKey,
  routes,
  suspend,
  tenant,
} from "./helpers";

const ALL: Permission[] = ["transactions.read", "funds.write", "usage.write"];
const addFunds = (accountId: string, key: string, amount: number | string) =>
  callRoute(routes.accountTransactions.addFunds, { params: { accountId }, json: { amount } }, { api_key: key });
const recordUsage = (accountId: string, key: string, amount: number) =>
  callRoute(
    routes.accountTransactions.recordUsage,
    { params: { accountId }, json: { details: "sms", amount, date: "2026-01-01" } },
    { api_key: key },
  );

describe("checks inside the posting, reached past a forged edge state", () => {
  it("tenant: an account of another workspace is refused and its balance is unchanged", async () => {
    const mine = await createWorkspace("Mine");
    await createAccount(mine.id, { currency: "EUR" });
    const key = await createKey(mine.id, { permissions: ALL }); // workspace-wide key
    const theirs = await createWorkspace("Theirs");
    const victim = await createAccount(theirs.id, { currency: "EUR" });
    // The edge now believes the victim's account is in my workspace.
    await writeAccountState(env.EDGE_KV, victim.id, { status: "active", currency: "EUR", workspace_id: mine.id });

    const res = await addFunds(victim.id, key.key, 50);
    assertStatus(res, 400);
    expect(res.json).toEqual({ error: { code: "bad_request", message: "Account not found" } });
    expect(await ledgerInvariant(victim.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("revocation: a revoked key still cached at the edge posts nothing", async () => {
    const t = await tenant(ALL);
    await revokeKey(t.keyId);
    // Put the revoked key back into the edge cache, as a lagging KV location would still have it.
    await cacheKey(
      env.EDGE_KV,
      await sha256Hex(t.key),
      { id: t.keyId, workspace_id: t.workspace.id, account_id: t.account.id, permissions: ALL },
      300,
    );

    const res = await addFunds(t.account.id, t.key, 10);
    assertStatus(res, 401);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("suspension: an account suspended in the database but active at the edge posts nothing", async () => {
    const t = await tenant(ALL);
    await suspend(t.account.id);
    await writeAccountState(env.EDGE_KV, t.account.id, {
      status: "active",
      currency: "EUR",
      workspace_id: t.workspace.id,
    });

    const res = await addFunds(t.account.id, t.key, 10);
    assertStatus(res, 403);
    expect(res.json).toEqual({ error: { code: "forbidden", message: "Account is suspended" } });
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("precision: a JPY account the edge believes is EUR takes no cents", async () => {
    const t = await tenant(ALL, { currency: "JPY" });
    await writeAccountState(env.EDGE_KV, t.account.id, {
      status: "active",
      currency: "EUR",
      workspace_id: t.workspace.id,
    });

    const res = await addFunds(t.account.id, t.key, "10.50");
    assertStatus(res, 400);
    expect(res.json.error.code).toBe("bad_request");
    expect(res.json.error.message).toMatch(/JPY/);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "0.0000", count: 0 });
  });

  it("overdraft: a debit past the limit posts nothing, whatever the edge knows", async () => {
    const t = await tenant(ALL);
    expect((await addFunds(t.account.id, t.key, 5)).status).toBe(200);
    const res = await recordUsage(t.account.id, t.key, 6);
    assertStatus(res, 400);
    expect(res.json.error.code).toBe("insufficient_funds");
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "5.0000", count: 1 });
  });
});
