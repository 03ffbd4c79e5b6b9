// The account state mirrored in KV heals: a KV write that fails after the database committed leaves the
// edge answering the old state only until the next scheduled run re-syncs it from the database.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../functions/index";
import { changeAccountStatus } from "../src/apis/admin/accounts/service";
import { createDatabase } from "../src/db/client";
import { ACCOUNT_STATE_TTL_SECONDS } from "../src/edge/kv-state";
import { callRoute, expectStatus, query, routes, sql, tenant } from "./helpers";

/** The real KV, except that writes fail: a KV outage after the database commit. */
const kvRefusingWrites = (kv: KVNamespace): KVNamespace =>
  new Proxy(kv, {
    get(target, prop, receiver) {
      if (prop === "put") return async () => Promise.reject(new Error("KV write failed (injected)"));
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });

async function runScheduled() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const balance = (key: string) => callRoute(routes.userPayments.getBalance, {}, { "x-api-key": key });

describe("the KV mirror of account states", () => {
  it("answers setup from KV after a lost KV write, and the right state after one scheduled run", async () => {
    const t = await tenant(["balance.read"], { currency: "EUR", status: "setup" });
    const before = await balance(t.key);
    expect(before.json).toEqual({ status: false, error: "Account is in setup process", account_id: t.account.id });

    const meta = { actorId: null, actorEmail: "bootstrap", requestId: "test-heal", clientIp: null };
    const row = await changeAccountStatus(
      createDatabase(env),
      kvRefusingWrites(env.EDGE_KV),
      meta,
      t.account.id,
      "active",
    );
    expect(row?.status).toBe("active");
    const [db] = await query<{ status: string }>(sql`SELECT status FROM accounts WHERE id = ${t.account.id}`);
    expect(db?.status).toBe("active");
    expect(await env.EDGE_KV.get(`account:${t.account.id}`, "json")).toMatchObject({ status: "setup" });
    expect(expectStatus(await balance(t.key), 200)).toMatchObject({ error: "Account is in setup process" });

    await runScheduled();

    const stored = await env.EDGE_KV.getWithMetadata(`account:${t.account.id}`, "json");
    expect(stored.value).toEqual({ status: "active", currency: "EUR", workspace_id: t.workspace.id });
    expect(stored.metadata).toEqual({ synced_at: expect.any(Number) });
    const after = await balance(t.key);
    expect(expectStatus(after, 200)).not.toHaveProperty("error");
  });

  it("writes every account state with a TTL longer than a full re-sync cycle, and reads only valid values", async () => {
    const t = await tenant(["balance.read"], { currency: "EUR", status: "setup" });
    const { metadata } = await env.EDGE_KV.getWithMetadata(`account:${t.account.id}`);
    expect(metadata).toEqual({ synced_at: expect.any(Number) });
    expect(ACCOUNT_STATE_TTL_SECONDS).toBe(7 * 86_400);
    // A value of another shape is a miss: the edge reads the database (and refills KV) instead of trusting it.
    await env.EDGE_KV.put(`account:${t.account.id}`, JSON.stringify({ status: "nonsense" }));
    const res = await balance(t.key);
    expect(res.json).toEqual({ status: false, error: "Account is in setup process", account_id: t.account.id });
  });
});
