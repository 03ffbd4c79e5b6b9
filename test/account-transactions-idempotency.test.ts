// Spec 002: Idempotency-Key on both writes, refusals stored and replayed, and revocation of the key.
import { describe, expect, it } from "vitest";
import {
  ALL,
  addFunds,
  funded,
  insufficient,
  list,
  recordUsage,
  unauthorized,
  usage,
} from "./fixtures/account-transactions";
import {
  adjust,
  assertStatus,
  createAccount,
  createKey,
  ledgerInvariant,
  query,
  revokeKey,
  sql,
  tenant,
} from "./helpers";

describe("Idempotency-Key on add-funds and record-usage", () => {
  const rowCount = async (accountId: string) => (await ledgerInvariant(accountId)).count;

  it("replays add-funds with the same body: identical answer, replay header, nothing posted", async () => {
    const t = await tenant(ALL);
    const headers = { "Idempotency-Key": "order-42" };
    const first = await addFunds(t.account.id, t.key, { amount: 100 }, headers);
    assertStatus(first, 200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await addFunds(t.account.id, t.key, { amount: "100.00" }, headers);
    assertStatus(again, 200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.text).toBe(first.text);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "100.0000", count: 1 });
  });

  it("replays record-usage whatever the metadata key order or date spelling", async () => {
    const t = await funded(100);
    const headers = { "Idempotency-Key": "usage-1" };
    const first = await recordUsage(t.account.id, t.key, usage(15.75, { metadata: { a: 1, b: 2 } }), headers);
    expect(first.json).toEqual({ status: "Usage recorded successfully", new_balance: 84.25 });
    const again = await recordUsage(
      t.account.id,
      t.key,
      usage(15.75, { metadata: { b: 2, a: 1 }, date: "2010-01-01T00:00:00Z" }),
      headers,
    );
    assertStatus(again, 200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    expect(await rowCount(t.account.id)).toBe(2);
  });

  it("answers 422 for the same key with a different body and posts nothing", async () => {
    const t = await funded(100);
    const headers = { "Idempotency-Key": "k-1" };
    await addFunds(t.account.id, t.key, { amount: 5 }, headers);
    const other = await addFunds(t.account.id, t.key, { amount: 6 }, headers);
    assertStatus(other, 422);
    expect(other.json.error.code).toBe("unprocessable");
    const crossRoute = await recordUsage(t.account.id, t.key, usage(5), headers);
    assertStatus(crossRoute, 422);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "105.0000", count: 2 });
  });

  it("scopes keys per account", async () => {
    const t = await tenant(ALL);
    const sibling = await createAccount(t.workspace.id);
    const wide = (await createKey(t.workspace.id, { permissions: ALL })).key;
    const headers = { "Idempotency-Key": "same" };
    expect((await addFunds(t.account.id, wide, { amount: 1 }, headers)).headers.get("idempotent-replayed")).toBeNull();
    const res = await addFunds(sibling.id, wide, { amount: 1 }, headers);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(await rowCount(sibling.id)).toBe(1);
  });

  it.each([
    ["too long", "k".repeat(256)],
    ["with a space", "a b"],
    ["with a control character", "a\tb"],
  ])("refuses a key that is %s with 400", async (_, key) => {
    const t = await tenant(ALL);
    const res = await addFunds(t.account.id, t.key, { amount: 1 }, { "Idempotency-Key": key });
    assertStatus(res, 400);
    expect(res.json.error.message).toContain("Idempotency-Key");
    expect(await rowCount(t.account.id)).toBe(0);
  });

  it("posts once for concurrent requests with the same key; the others replay or get 409", async () => {
    const t = await tenant(ALL);
    const headers = { "Idempotency-Key": "burst" };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => addFunds(t.account.id, t.key, { amount: 12.5 }, headers)),
    );
    const originals = results.filter((r) => r.status === 200 && !r.headers.get("idempotent-replayed"));
    const replays = results.filter((r) => r.status === 200 && r.headers.get("idempotent-replayed") === "true");
    const conflicts = results.filter((r) => r.status === 409);
    expect(originals).toHaveLength(1);
    expect(replays.length + conflicts.length).toBe(7);
    for (const r of replays) expect(r.json).toEqual(originals[0]!.json);
    for (const r of conflicts) expect(r.json.error.code).toBe("conflict");
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "12.5000", count: 1 });
    const later = await addFunds(t.account.id, t.key, { amount: 12.5 }, headers);
    expect(later.headers.get("idempotent-replayed")).toBe("true");
    expect(later.json).toEqual(originals[0]!.json);
  });

  it("still checks the API key on a replay", async () => {
    const t = await tenant(ALL);
    const headers = { "Idempotency-Key": "revoked-later" };
    expect((await addFunds(t.account.id, t.key, { amount: 1 }, headers)).status).toBe(200);
    await revokeKey(t.keyId);
    expect((await addFunds(t.account.id, t.key, { amount: 1 }, headers)).status).toBe(401);
  });
});

describe("revocation while the edge cache still knows the key", () => {
  it("refuses reads and writes in the same statement that would serve them", async () => {
    const t = await funded(100);
    expect((await list(t.account.id, t.key)).status).toBe(200); // the key is now cached in KV
    // KV lag cannot be produced through the API: revoke in the database only, leaving the cache entry.
    await query(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${t.keyId}`);
    const read = await list(t.account.id, t.key);
    assertStatus(read, 401);
    expect(read.json).toEqual(unauthorized);
    expect((await addFunds(t.account.id, t.key, { amount: 1 })).json).toEqual(unauthorized);
    expect((await recordUsage(t.account.id, t.key, usage(1))).status).toBe(401);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "100.0000", count: 1 });
  });

  it("never replays a stored answer to a key revoked since", async () => {
    const t = await funded(0);
    const headers = { "Idempotency-Key": "replay-after-revoke" };
    expect((await addFunds(t.account.id, t.key, { amount: 10 }, headers)).status).toBe(200);
    await query(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${t.keyId}`);
    const replay = await addFunds(t.account.id, t.key, { amount: 10 }, headers);
    assertStatus(replay, 401);
    expect(replay.json).toEqual(unauthorized);
    expect(replay.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("Idempotency-Key on a refused request", () => {
  it("stores an insufficient-funds answer and replays it even after the account was funded", async () => {
    const t = await funded(0);
    const headers = { "Idempotency-Key": "usage-too-early" };
    const first = await recordUsage(t.account.id, t.key, usage(5), headers);
    assertStatus(first, 400);
    expect(first.json).toEqual(insufficient);
    await adjust(t.account.id, 10, "top-up");
    const again = await recordUsage(t.account.id, t.key, usage(5), headers);
    assertStatus(again, 400);
    expect(again.json).toEqual(insufficient);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "10.0000", count: 1 });
    const fresh = await recordUsage(t.account.id, t.key, usage(5), { "Idempotency-Key": "usage-after-top-up" });
    expect(fresh.json).toEqual({ status: "Usage recorded successfully", new_balance: 5 });
  });
});
