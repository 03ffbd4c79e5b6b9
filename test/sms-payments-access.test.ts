// Spec 003: roles and permissions, other workspaces, and revoked tokens.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { png } from "./fixtures/files";
import {
  entriesOf,
  INVALID,
  list,
  NO_WORKSPACE,
  paymentRows,
  receipt,
  record,
  remove,
  UNKNOWN,
  unsigned,
  workspace,
} from "./fixtures/sms-payments";
import { assertStatus, expectStatus, ledgerInvariant, revokeMemberTokens } from "./helpers";

// ---------- roles and permissions ----------

describe("roles and permissions", () => {
  let w: Awaited<ReturnType<typeof workspace>>;
  let paymentId: string;
  beforeAll(async () => {
    w = await workspace();
    const p = await record(w.id, w.owner.token, {
      amount: "3",
      paymentMethod: "cash",
      receipt: { filename: "r.png", type: "image/png", bytes: png() },
    });
    assertStatus(p, 201);
    paymentId = p.json.id;
  });

  it("lets the owner and staff with sms_payments.read list; others get 403", async () => {
    for (const m of [w.owner, w.reader, w.both]) expect((await list(w.id, m.token)).status).toBe(200);
    for (const m of [w.writer, w.none]) {
      const res = await list(w.id, m.token);
      assertStatus(res, 403);
      expect(res.json).toEqual({
        error: { code: "forbidden", message: "You do not have permission to view SMS payments" },
      });
    }
  });

  it("lets the owner and staff with sms_payments.write record; others get 403 and nothing is posted", async () => {
    const before = (await ledgerInvariant(w.accountId)).count;
    for (const m of [w.owner, w.writer, w.both]) {
      expect((await record(w.id, m.token, { amount: "1", paymentMethod: "cash" })).status).toBe(201);
    }
    for (const m of [w.reader, w.none]) {
      const res = await record(w.id, m.token, { amount: "1", paymentMethod: "cash" });
      assertStatus(res, 403);
      expect(res.json).toEqual({
        error: { code: "forbidden", message: "You do not have permission to record SMS payments" },
      });
    }
    expect((await ledgerInvariant(w.accountId)).count).toBe(before + 3);
  });

  it("serves receipts to readers only", async () => {
    for (const m of [w.owner, w.reader]) {
      const res = await receipt(w.id, m.token, paymentId);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    for (const m of [w.writer, w.none]) {
      const res = await receipt(w.id, m.token, paymentId);
      expect(res.status).toBe(403);
      await res.arrayBuffer();
    }
  });

  it("lets only the owner delete: staff with every permission get 403 and nothing is reversed", async () => {
    const p = await record(w.id, w.owner.token, { amount: "2", paymentMethod: "cash" });
    assertStatus(p, 201);
    for (const m of [w.both, w.writer, w.reader, w.none]) {
      const res = await remove(w.id, m.token, p.json.id);
      assertStatus(res, 403);
      expect(res.json).toEqual({
        error: { code: "forbidden", message: "Only the workspace owner can delete SMS payments" },
      });
    }
    expect((await entriesOf(w.accountId)).filter((e) => e.type === "reversal")).toEqual([]);
    expect((await remove(w.id, w.owner.token, p.json.id)).status).toBe(204);
  });

  it("answers 401 on every route without a valid token, before looking at the request", async () => {
    for (const t of [undefined, "garbage"]) {
      expect((await list(w.id, t, "?limit=999")).json).toEqual(INVALID);
      const posted = await record(w.id, t, { amount: "-1", paymentMethod: "cash" });
      assertStatus(posted, 401);
      expect(posted.json).toEqual(INVALID);
      const r = await receipt(w.id, t, paymentId);
      expect(r.status).toBe(401);
      expect(await r.json()).toEqual(INVALID);
      expect((await remove(w.id, t, paymentId)).json).toEqual(INVALID);
    }
  });
});

// ---------- other workspaces ----------

describe("cross-workspace access", () => {
  it("never opens another workspace: 404 on every route, and B's payments stay invisible and intact", async () => {
    const a = await workspace();
    const b = await workspace();
    const bPayment = await record(b.id, b.owner.token, {
      amount: "99",
      paymentMethod: "cash",
      receipt: { filename: "b.png", type: "image/png", bytes: png() },
    });
    assertStatus(bPayment, 201);
    const bId = bPayment.json.id as string;

    // A's token on B's URLs.
    expect((await list(b.id, a.owner.token)).json).toEqual(NO_WORKSPACE);
    expect((await list(b.id, a.reader.token)).status).toBe(404);
    const posted = await record(b.id, a.owner.token, { amount: "1", paymentMethod: "cash" });
    assertStatus(posted, 404);
    expect(posted.json).toEqual(NO_WORKSPACE);
    const r = await receipt(b.id, a.owner.token, bId);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual(NO_WORKSPACE);
    expect((await remove(b.id, a.owner.token, bId)).json).toEqual(NO_WORKSPACE);

    // B's ids on A's URLs with A's token.
    const r2 = await receipt(a.id, a.owner.token, bId);
    expect(r2.status).toBe(404);
    await r2.arrayBuffer();
    expect((await remove(a.id, a.owner.token, bId)).status).toBe(404);
    expect(expectStatus(await list(a.id, a.owner.token), 200).payments).toEqual([]);

    // B is untouched.
    expect(expectStatus(await list(b.id, b.owner.token), 200).payments).toEqual([unsigned(bPayment.json)]);
    expect(await ledgerInvariant(b.accountId)).toMatchObject({ balance: "99.0000", count: 1 });
    expect(await ledgerInvariant(a.accountId)).toMatchObject({ count: 0 });
  });

  it("answers 404 for a workspace that does not exist", async () => {
    const a = await workspace();
    for (const ws of [UNKNOWN, "507f1f77bcf86cd799439012"]) {
      expect((await list(ws, a.owner.token)).json).toEqual(NO_WORKSPACE);
    }
  });
});

// ---------- revocation and expiry ----------

describe("revocation", () => {
  it("refuses an old token at once after DELETE /admin/v1/members/{id}/tokens, on every route", async () => {
    const w = await workspace();
    const p = await record(w.id, w.owner.token, {
      amount: "3",
      paymentMethod: "cash",
      receipt: { filename: "r.png", type: "image/png", bytes: png() },
    });
    assertStatus(p, 201);
    await revokeMemberTokens(w.owner.id);
    expect((await list(w.id, w.owner.token)).json).toEqual(INVALID);
    expect((await record(w.id, w.owner.token, { amount: "1", paymentMethod: "cash" })).json).toEqual(INVALID);
    const r = await receipt(w.id, w.owner.token, p.json.id);
    expect(r.status).toBe(401);
    await r.arrayBuffer();
    expect((await remove(w.id, w.owner.token, p.json.id)).json).toEqual(INVALID);
    expect(await ledgerInvariant(w.accountId)).toMatchObject({ count: 1 });
  });

  it("reads and changes nothing with a revoked token while the edge's KV copy lags", async () => {
    const w = await workspace();
    const p = await record(w.id, w.owner.token, {
      amount: "3",
      paymentMethod: "cash",
      receipt: { filename: "r.png", type: "image/png", bytes: png() },
    });
    assertStatus(p, 201);
    await revokeMemberTokens(w.owner.id);
    await env.EDGE_KV.put(`member:${w.owner.id}`, JSON.stringify({ token_version: 0 }));
    expect((await list(w.id, w.owner.token)).json).toEqual(INVALID);
    const r = await receipt(w.id, w.owner.token, p.json.id);
    expect(r.status).toBe(401);
    await r.arrayBuffer();
    expect((await remove(w.id, w.owner.token, p.json.id)).json).toEqual(INVALID);
    expect((await paymentRows(w.id))[0]?.deleted_at).toBeNull();
    expect(await ledgerInvariant(w.accountId)).toMatchObject({ count: 1 });
  });
});
