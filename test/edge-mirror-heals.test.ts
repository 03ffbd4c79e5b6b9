// The account state mirrored in KV heals: a KV write that fails after the database committed leaves the
// edge answering the old state only until the next scheduled run re-syncs it from the database.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../functions/index";
import { changeAccountStatus } from "../src/apis/admin/accounts/service";
import { setGatewayState } from "../src/apis/admin/gateway/service";
import { createDatabase } from "../src/db/client";
import { ACCOUNT_STATE_TTL_SECONDS, readStoredGatewayState } from "../src/edge/kv-state";
import { callRoute, expectStatus, query, routes, setGateway, sql, tenant } from "./helpers";

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

  it("rewrites a manual gateway state whose KV write was lost, from its audit row, in one scheduled run", async () => {
    await setGateway("ok");
    const before = await readStoredGatewayState(env.EDGE_KV);
    expect(before?.status).toBe("ok");

    const meta = { actorId: null, actorEmail: "bootstrap", requestId: "test-gateway-heal", clientIp: null };
    const set = await setGatewayState(createDatabase(env), kvRefusingWrites(env.EDGE_KV), meta, {
      status: "unavailable",
      reason: "heal test",
    });
    expect(set).toMatchObject({ status: "unavailable", source: "admin", set_by: "bootstrap" });
    expect(await readStoredGatewayState(env.EDGE_KV)).toEqual(before);

    await runScheduled();

    // The newest state an operator set (this one, unless another suite set one since) is what KV holds.
    const stored = await readStoredGatewayState(env.EDGE_KV);
    const [newest] = await query<{ after: unknown }>(
      sql`SELECT after FROM audit_events WHERE action = 'gateway.set' ORDER BY occurred_at DESC, id DESC LIMIT 1`,
    );
    expect(stored).toEqual(newest?.after);
    expect(Date.parse(stored?.updated_at ?? "")).toBeGreaterThanOrEqual(Date.parse(set.updated_at));
    await setGateway("ok");
  });

  it("leaves a newer gateway state in KV alone", async () => {
    await setGateway("partial");
    const newer = {
      status: "ok" as const,
      updated_at: new Date(Date.now() + 60_000).toISOString(),
      source: "monitor" as const,
    };
    await env.EDGE_KV.put("gateway:sms", JSON.stringify(newer));
    await runScheduled();
    expect(await readStoredGatewayState(env.EDGE_KV)).toEqual(newer);
    await setGateway("ok");
  });
});
