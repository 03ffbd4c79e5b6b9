// Workspace members and their tokens (spec 003): the admin routes, and how the workspace API treats
// tokens (signature, expiry, version-based revocation through KV and the database, other workspaces).
import { env } from "cloudflare:test";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { edgeMemo } from "../src/edge/isolate-memo";
import {
  ADMIN,
  assertStatus,
  callRouteUnchecked,
  createAccount,
  createWorkspace,
  expectStatus,
  query,
  routes,
  sql,
} from "./helpers";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";
const INVALID = { error: { code: "unauthorized", message: "Missing or invalid authentication token" } };

/** The member routes, sent as given (tests send bad ids and bodies); answers typed by their route. */
const addMember = (workspaceId: string, body: unknown, headers: Record<string, string> = ADMIN) =>
  callRouteUnchecked(routes.members.createMember, { params: { workspace_id: workspaceId }, body }, headers);
const issue = (memberId: string, body?: unknown, headers: Record<string, string> = ADMIN) =>
  callRouteUnchecked(routes.members.createMemberToken, { params: { member_id: memberId }, body }, headers);
const revokeAll = (memberId: string, headers: Record<string, string> = ADMIN) =>
  callRouteUnchecked(routes.members.revokeMemberTokens, { params: { member_id: memberId } }, headers);

async function member(workspaceId: string, body: Record<string, unknown>) {
  return expectStatus(await addMember(workspaceId, body), 201);
}

async function token(memberId: string, body?: Record<string, unknown>) {
  return expectStatus(await issue(memberId, body), 201).token;
}

const list = (workspaceId: string, bearer?: string) =>
  callRouteUnchecked(
    routes.smsPayments.listPayments,
    { params: { workspaceId } },
    bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
  );

function decode(jwt: string) {
  const [header, payload] = jwt
    .split(".")
    .slice(0, 2)
    .map((part) => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))));
  return { header, payload };
}

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

async function ownerOfNewWorkspace() {
  const ws = await createWorkspace("Members Inc");
  await createAccount(ws.id);
  const owner = await member(ws.id, { email: `owner-${crypto.randomUUID()}@example.com`, role: "owner" });
  return { ws, owner };
}

describe("admin: POST /workspaces/{workspace_id}/members", () => {
  it("creates an owner and a staff member with exactly the documented fields", async () => {
    const ws = await createWorkspace();
    const owner = await addMember(ws.id, { email: "Boss@Example.com", role: "owner" });
    assertStatus(owner, 201);
    expect(owner.json).toEqual({ id: expect.any(String), email: "boss@example.com", role: "owner", permissions: [] });
    const staff = await addMember(ws.id, {
      email: "clerk@example.com",
      role: "staff",
      permissions: ["sms_payments.read", "sms_payments.write", "sms_payments.read"],
    });
    assertStatus(staff, 201);
    expect(staff.json).toEqual({
      id: expect.any(String),
      email: "clerk@example.com",
      role: "staff",
      permissions: ["sms_payments.read", "sms_payments.write"],
    });
    const rows = await query<{ workspace_id: string; token_version: number }>(
      sql`SELECT workspace_id, token_version FROM workspace_members WHERE id = ${staff.json.id}`,
    );
    expect(rows).toEqual([{ workspace_id: ws.id, token_version: 0 }]);
    expect(await env.EDGE_KV.get(`member:${staff.json.id}`, "json")).toEqual({ token_version: 0 });
  });

  it("answers 409 for an email already in the workspace (case-insensitive), but allows it in another", async () => {
    const ws = await createWorkspace();
    await member(ws.id, { email: "dup@example.com", role: "staff" });
    const again = await addMember(ws.id, { email: "DUP@example.com", role: "owner" });
    assertStatus(again, 409);
    expect(again.json).toEqual({
      error: { code: "conflict", message: "A member with this email already exists in the workspace" },
    });
    const other = await createWorkspace();
    expect((await addMember(other.id, { email: "dup@example.com", role: "staff" })).status).toBe(201);
  });

  it("answers 404 for an unknown workspace and 400 for a malformed id", async () => {
    const res = await addMember(UNKNOWN, { email: "a@example.com", role: "owner" });
    assertStatus(res, 404);
    expect(res.json).toEqual({ error: { code: "not_found", message: "Workspace not found" } });
    expect((await addMember("nope", { email: "a@example.com", role: "owner" })).status).toBe(400);
  });

  it.each([
    [{ email: "not-an-email", role: "owner" }, "email"],
    [{ email: "a@example.com", role: "admin" }, "role"],
    [{ email: "a@example.com", role: "staff", permissions: ["payments.read"] }, "permissions"],
    [{ email: "a@example.com", role: "staff", extra: true }, "extra"],
    [{ role: "staff" }, "email"],
  ])("rejects %j naming %s", async (body, field) => {
    const ws = await createWorkspace();
    const res = await addMember(ws.id, body);
    assertStatus(res, 400);
    expect(res.json.error.code).toBe("bad_request");
    expect(JSON.stringify(res.json.error)).toContain(field);
  });
});

describe("admin: member routes require the admin token", () => {
  it("answers 401 without it or with a workspace token in its place", async () => {
    const { ws, owner } = await ownerOfNewWorkspace();
    const workspaceToken = await token(owner.id);
    const variants: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${workspaceToken}` },
      { authorization: "Bearer wrong" },
    ];
    for (const headers of variants) {
      const created = await addMember(ws.id, { email: "x@example.com", role: "owner" }, headers);
      assertStatus(created, 401);
      expect(created.json.error.code).toBe("unauthorized");
      expect((await issue(owner.id, {}, headers)).status).toBe(401);
      expect((await revokeAll(owner.id, headers)).status).toBe(401);
    }
    expect(
      await query(sql`SELECT 1 FROM workspace_members WHERE workspace_id = ${ws.id} AND email = 'x@example.com'`),
    ).toEqual([]);
    expect(
      (await query<{ v: number }>(sql`SELECT token_version AS v FROM workspace_members WHERE id = ${owner.id}`))[0]?.v,
    ).toBe(0);
  });
});

describe("admin: POST /members/{member_id}/tokens", () => {
  it("issues an HS256 token with the member's claims, valid for 3600 s by default", async () => {
    const ws = await createWorkspace();
    const staff = await member(ws.id, { email: "s@example.com", role: "staff", permissions: ["sms_payments.read"] });
    const before = Math.floor(Date.now() / 1000);
    const res = await issue(staff.id);
    assertStatus(res, 201);
    expect(Object.keys(res.json).sort()).toEqual(["expires_at", "token"]);
    const { header, payload } = decode(res.json.token);
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload).toEqual({
      sub: staff.id,
      ws: ws.id,
      role: "staff",
      perms: ["sms_payments.read"],
      ver: 0,
      iat: expect.any(Number),
      exp: payload.iat + 3600,
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(res.json.expires_at).toBe(new Date(payload.exp * 1000).toISOString());
  });

  it("honours ttl_seconds within 60..86400 and rejects anything else", async () => {
    const { owner } = await ownerOfNewWorkspace();
    for (const ttl of [60, 86_400]) {
      const { payload } = decode(await token(owner.id, { ttl_seconds: ttl }));
      expect(payload.exp - payload.iat).toBe(ttl);
    }
    for (const body of [
      { ttl_seconds: 59 },
      { ttl_seconds: 86_401 },
      { ttl_seconds: 90.5 },
      { ttl_seconds: "600" },
      { ttl: 60 },
    ]) {
      const res = await issue(owner.id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      assertStatus(res, 400);
      expect(res.json.error.code).toBe("bad_request");
    }
  });

  it("answers 404 for an unknown member", async () => {
    const res = await issue(UNKNOWN, {});
    assertStatus(res, 404);
    expect(res.json).toEqual({ error: { code: "not_found", message: "Member not found" } });
  });
});

describe("admin: DELETE /members/{member_id}/tokens (revocation)", () => {
  it("stops every earlier token at once, in the database and KV; a new token works", async () => {
    const { ws, owner } = await ownerOfNewWorkspace();
    const first = await token(owner.id);
    const second = await token(owner.id);
    expect((await list(ws.id, first)).status).toBe(200);

    const revoked = await revokeAll(owner.id);
    assertStatus(revoked, 204);
    expect(revoked.text).toBe("");
    expect(await env.EDGE_KV.get(`member:${owner.id}`, "json")).toEqual({ token_version: 1 });
    expect(
      (await query<{ v: number }>(sql`SELECT token_version AS v FROM workspace_members WHERE id = ${owner.id}`))[0]?.v,
    ).toBe(1);

    for (const old of [first, second]) {
      const res = await list(ws.id, old);
      assertStatus(res, 401);
      expect(res.json).toEqual(INVALID);
    }
    const fresh = await token(owner.id);
    expect(decode(fresh).payload.ver).toBe(1);
    expect((await list(ws.id, fresh)).status).toBe(200);
  });

  it("refuses a revoked token even while the edge's KV copy is stale (the data statement re-checks)", async () => {
    const { ws, owner } = await ownerOfNewWorkspace();
    const old = await token(owner.id);
    expect((await revokeAll(owner.id)).status).toBe(204);
    // What another location may still see during KV's propagation window.
    await env.EDGE_KV.put(`member:${owner.id}`, JSON.stringify({ token_version: 0 }));
    const res = await list(ws.id, old);
    assertStatus(res, 401);
    expect(res.json).toEqual(INVALID);
  });

  it("answers 404 for an unknown member", async () => {
    const res = await revokeAll(UNKNOWN);
    assertStatus(res, 404);
    expect(res.json.error.code).toBe("not_found");
  });
});

describe("workspace tokens at the edge", () => {
  it("falls back to the database when neither this isolate nor KV has the member, and refills KV", async () => {
    const { ws, owner } = await ownerOfNewWorkspace();
    const t = await token(owner.id);
    await env.EDGE_KV.delete(`member:${owner.id}`);
    // As in a fresh isolate: the one that created the member remembers its version (write-through).
    edgeMemo.forget(`member:${owner.id}`);
    expect((await list(ws.id, t)).status).toBe(200);
    let cached: unknown = null;
    for (let i = 0; i < 50 && cached === null; i++) {
      cached = await env.EDGE_KV.get(`member:${owner.id}`, "json");
      if (cached === null) await new Promise((r) => setTimeout(r, 20));
    }
    expect(cached).toEqual({ token_version: 0 });
  });

  it("answers 401 without a token, with another scheme, or with a malformed token", async () => {
    const { ws, owner } = await ownerOfNewWorkspace();
    const t = await token(owner.id);
    for (const authorization of [
      undefined,
      `Basic ${t}`,
      "Bearer",
      "Bearer ",
      "Bearer not.a.jwt",
      `Bearer ${t} extra`,
      t,
    ]) {
      const res = await callRouteUnchecked(
        routes.smsPayments.listPayments,
        { params: { workspaceId: ws.id } },
        authorization === undefined ? {} : { authorization },
      );
      expect(res.status, String(authorization)).toBe(401);
      expect(res.json).toEqual(INVALID);
    }
  });

  it("answers 401 for a tampered token (claims changed, signature kept)", async () => {
    const ws = await createWorkspace();
    const staff = await member(ws.id, { email: "t@example.com", role: "staff", permissions: [] });
    const t = await token(staff.id);
    expect((await list(ws.id, t)).status).toBe(403);
    const [header, payload, signature] = t.split(".");
    const claims = decode(t).payload;
    const forged = `${header}.${b64url({ ...claims, role: "owner", perms: ["sms_payments.read"] })}.${signature}`;
    expect((await list(ws.id, forged)).status).toBe(401);
    const flipped = `${header}.${payload}.${signature?.slice(0, -2)}${signature?.endsWith("AA") ? "BA" : "AA"}`;
    expect((await list(ws.id, flipped)).status).toBe(401);
  });

  it("answers 401 for an expired token, one without exp, a token signed with another key, and alg none", async () => {
    const { ws, owner } = await ownerOfNewWorkspace();
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: owner.id, ws: ws.id, role: "owner", perms: [], ver: 0 };
    const expired = await sign({ ...claims, iat: now - 7200, exp: now - 1 }, env.WORKSPACE_TOKEN_SECRET, "HS256");
    const foreign = await sign({ ...claims, iat: now, exp: now + 600 }, "some-other-secret", "HS256");
    const none = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ ...claims, iat: now, exp: now + 600 })}.`;
    const withoutExp = await sign({ ...claims, iat: now }, env.WORKSPACE_TOKEN_SECRET, "HS256");
    const valid = await sign({ ...claims, iat: now, exp: now + 600 }, env.WORKSPACE_TOKEN_SECRET, "HS256");
    for (const t of [expired, withoutExp, foreign, none]) {
      const res = await list(ws.id, t);
      assertStatus(res, 401);
      expect(res.json).toEqual(INVALID);
    }
    expect((await list(ws.id, valid)).status).toBe(200);
  });

  it("answers 401 for a correctly signed token of a member that does not exist", async () => {
    const ws = await createWorkspace();
    const now = Math.floor(Date.now() / 1000);
    const t = await sign(
      { sub: UNKNOWN, ws: ws.id, role: "owner", perms: [], ver: 0, iat: now, exp: now + 600 },
      env.WORKSPACE_TOKEN_SECRET,
      "HS256",
    );
    const res = await list(ws.id, t);
    assertStatus(res, 401);
    expect(res.json).toEqual(INVALID);
  });

  it("answers 404 when the token belongs to another workspace, existing or not", async () => {
    const a = await ownerOfNewWorkspace();
    const b = await ownerOfNewWorkspace();
    const t = await token(a.owner.id);
    for (const target of [b.ws.id, UNKNOWN, "not-a-uuid"]) {
      const res = await list(target, t);
      expect(res.status, target).toBe(404);
      expect(res.json).toEqual({ error: { code: "not_found", message: "Workspace not found" } });
    }
  });
});
