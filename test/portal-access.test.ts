// The back office's doors: sign-in, sessions, CSRF, rate limiting and headers.
import { env } from "cloudflare:test";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { newSessionToken, SESSION_COOKIE, SESSION_TTL_SECONDS, sessionKey } from "../src/portal/session";
import { createKey, query, rawCall, sql, tenant } from "./helpers";
import { inputValue, portal, signIn } from "./portal-helpers";

const setup = async () => {
  const t = await tenant(["payments.read", "balance.read"]);
  return { ...t, pages: pagesOf(t.workspace.id, t.account.id) };
};

const pagesOf = (workspaceId: string, accountId: string) => [
  "/portal",
  "/portal/",
  "/portal/workspaces",
  "/portal/workspaces?q=Acme",
  `/portal/workspaces/${workspaceId}`,
  `/portal/accounts/${accountId}`,
  `/portal/accounts/${accountId}?source=portal&from=2026-01-01`,
  `/portal/accounts/${accountId}/status?to=suspended`,
  `/portal/accounts/${accountId}/entries.csv`,
  "/portal/no-such-page",
];

const formsOf = (workspaceId: string, accountId: string, keyId: string): [string, Record<string, string>][] => [
  ["/portal/gateway-status", { status: "unavailable" }],
  ["/portal/workspaces", { name: "Forged" }],
  [`/portal/workspaces/${workspaceId}/accounts`, { currency: "USD" }],
  [`/portal/workspaces/${workspaceId}/api-keys`, { permissions: "payments.read" }],
  [`/portal/workspaces/${workspaceId}/api-keys/${keyId}/revoke`, {}],
  [`/portal/workspaces/${workspaceId}/members`, { email: "x@example.com", role: "owner" }],
  [`/portal/accounts/${accountId}/status`, { status: "suspended" }],
  [`/portal/accounts/${accountId}/adjustments`, { amount: "5", description: "forged", idempotency_key: "k-1" }],
];

/** What every forged form above would have changed, read from the database. */
async function stateOf(workspaceId: string, accountId: string, keyId: string) {
  const [row] = await query<Record<string, string>>(sql`
    SELECT (SELECT balance::text FROM accounts WHERE id = ${accountId}) AS balance,
      (SELECT status FROM accounts WHERE id = ${accountId}) AS status,
      (SELECT count(*)::text FROM accounts WHERE workspace_id = ${workspaceId}) AS accounts,
      (SELECT count(*)::text FROM api_keys WHERE workspace_id = ${workspaceId}) AS keys,
      (SELECT revoked_at IS NULL FROM api_keys WHERE id = ${keyId})::text AS key_active,
      (SELECT count(*)::text FROM workspace_members WHERE workspace_id = ${workspaceId}) AS members,
      (SELECT count(*)::text FROM workspaces WHERE name = 'Forged') AS forged`);
  const gateway = await env.EDGE_KV.get("gateway:sms", "json");
  return { ...row, gateway: (gateway as { status?: string } | null)?.status ?? "ok" };
}

describe("back office without a session", () => {
  it("redirects every page to sign-in, keeping the page to come back to", async () => {
    const t = await setup();
    for (const path of t.pages) {
      const res = await portal(path);
      expect(res.status, path).toBe(302);
      const location = new URL(res.headers.get("location")!, "https://api.test");
      expect(location.pathname, path).toBe("/portal/sign-in");
      expect(location.searchParams.get("next"), path).toBe(path === "/portal/" ? "/portal/" : path);
      expect(res.text, path).not.toContain(t.account.id);
    }
  });

  it("redirects every form to sign-in and changes nothing", async () => {
    const t = await setup();
    const before = await stateOf(t.workspace.id, t.account.id, t.keyId);
    for (const [path, form] of formsOf(t.workspace.id, t.account.id, t.keyId)) {
      const res = await portal(path, { form });
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location"), path).toMatch(/^\/portal\/sign-in/);
    }
    expect(await stateOf(t.workspace.id, t.account.id, t.keyId)).toEqual(before);
  });

  it("refuses a tampered, foreign-keyed, expired, never-expiring or overlong session the same way", async () => {
    const t = await setup();
    const good = (await signIn()).split("=")[1]!;
    const [head, payload, signature] = good.split(".");
    const expired = await newSessionToken(env.ADMIN_TOKEN, Date.now() - (SESSION_TTL_SECONDS + 60) * 1000);
    const foreign = await newSessionToken("some-other-admin-token");
    const tampered = `${head}.${payload}.${signature!.slice(0, -2)}${signature!.endsWith("A") ? "BB" : "AA"}`;
    // Correctly signed, but with no exp, or an exp beyond the session's lifetime.
    const key = await sessionKey(env.ADMIN_TOKEN);
    const iat = Math.floor(Date.now() / 1000);
    const withoutExp = await sign({ aud: "payments-edge-portal", iat }, key, "HS256");
    const overlong = await sign({ aud: "payments-edge-portal", iat, exp: iat + SESSION_TTL_SECONDS + 1 }, key, "HS256");
    const rightlyMade = await sign({ aud: "payments-edge-portal", iat, exp: iat + SESSION_TTL_SECONDS }, key, "HS256");
    expect((await portal("/portal", { cookie: `${SESSION_COOKIE}=${rightlyMade}` })).status).toBe(200);
    for (const value of [expired, foreign, tampered, withoutExp, overlong, "not-a-token", ""]) {
      for (const path of t.pages) {
        const res = await portal(path, { cookie: `${SESSION_COOKIE}=${value}` });
        expect(res.status, `${path} with ${value.slice(0, 12)}`).toBe(302);
        expect(res.headers.get("location")).toMatch(/^\/portal\/sign-in\?next=/);
      }
    }
    // The real session opens the same pages.
    expect((await portal("/portal", { cookie: `${SESSION_COOKIE}=${good}` })).status).toBe(200);
  });
});

describe("back office sign-in", () => {
  it("sets an HttpOnly, SameSite=Strict, Secure, expiring session cookie for the right token", async () => {
    const res = await portal("/portal/sign-in", { form: { token: env.ADMIN_TOKEN, next: "/portal/workspaces" } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/portal/workspaces");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("Path=/portal");
    expect(cookie).toContain(`Max-Age=${SESSION_TTL_SECONDS}`);
  });

  it("leaves Secure off on localhost only", async () => {
    const { SELF } = await import("cloudflare:test");
    const res = await SELF.fetch("http://localhost:8787/portal/sign-in", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost:8787" },
      body: new URLSearchParams({ token: env.ADMIN_TOKEN }).toString(),
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).not.toContain("Secure");
  });

  it("answers a wrong token 401 without a cookie, and never redirects off the portal", async () => {
    const res = await portal("/portal/sign-in", {
      form: { token: "wrong", next: "https://evil.test/" },
      headers: { "cf-connecting-ip": "198.51.100.7" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.text).toContain("not the admin token");
    const offsite = await portal("/portal/sign-in", { form: { token: env.ADMIN_TOKEN, next: "//evil.test/x" } });
    expect(offsite.headers.get("location")).toBe("/portal");
  });

  it("rate-limits wrong tokens per address with 429 and Retry-After; other addresses are unaffected", async () => {
    const ip = "203.0.113.66";
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await portal("/portal/sign-in", {
        form: { token: `guess-${i}` },
        headers: { "cf-connecting-ip": ip },
      });
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("retry-after")).toBe("60");
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    const elsewhere = await portal("/portal/sign-in", {
      form: { token: "guess" },
      headers: { "cf-connecting-ip": "203.0.113.67" },
    });
    expect(elsewhere.status).toBe(401);
  });

  it("asks the limiter before comparing: past the limit even the right token is 429, with no cookie", async () => {
    const ip = "203.0.113.71";
    for (let i = 0; i < 10; i++) {
      const res = await portal("/portal/sign-in", {
        form: { token: `guess-${i}` },
        headers: { "cf-connecting-ip": ip },
      });
      expect(res.status).toBe(401);
    }
    const right = await portal("/portal/sign-in", {
      form: { token: env.ADMIN_TOKEN, next: "/portal" },
      headers: { "cf-connecting-ip": ip },
    });
    expect({
      status: right.status,
      cookie: right.headers.get("set-cookie"),
      retry: right.headers.get("retry-after"),
    }).toEqual({ status: 429, cookie: null, retry: "60" });
    expect(right.text).toContain("Too many sign-in attempts from this address");
  });

  it("signs out by clearing the cookie", async () => {
    const cookie = await signIn();
    const res = await portal("/portal/sign-out", { cookie, form: {} });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/portal/sign-in");
    expect(res.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
  });
});

describe("back office forms: CSRF", () => {
  it("refuses cross-site and origin-less posts even with a session, and changes nothing", async () => {
    const t = await setup();
    const cookie = await signIn();
    const before = await stateOf(t.workspace.id, t.account.id, t.keyId);
    for (const [path, form] of formsOf(t.workspace.id, t.account.id, t.keyId)) {
      for (const origin of ["https://evil.test", null]) {
        const res = await portal(path, { cookie, form, origin });
        expect(res.status, `${path} from ${origin}`).toBe(403);
      }
      const crossSite = await portal(path, {
        cookie,
        form,
        origin: "https://evil.test",
        headers: { "sec-fetch-site": "cross-site" },
      });
      expect(crossSite.status, path).toBe(403);
    }
    // Not a form at all: refused before anything reads it.
    const json = await rawCall("POST", `/portal/accounts/${t.account.id}/adjustments`, {
      headers: { cookie, origin: "https://api.test" },
      body: { amount: "5", description: "json" },
    });
    expect(json.status).toBe(415);
    expect(await stateOf(t.workspace.id, t.account.id, t.keyId)).toEqual(before);
  });

  it("takes the same-origin form", async () => {
    const t = await setup();
    const cookie = await signIn();
    const page = await portal(`/portal/accounts/${t.account.id}`, { cookie });
    const key = inputValue(page.text, "idempotency_key");
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    const res = await portal(`/portal/accounts/${t.account.id}/adjustments`, {
      cookie,
      form: { amount: "5", description: "same origin", idempotency_key: key! },
    });
    expect(res.status).toBe(303);
    const [row] = await query<{ balance: string }>(
      sql`SELECT balance::text AS balance FROM accounts WHERE id = ${t.account.id}`,
    );
    expect(row!.balance).toBe("5.0000");
  });
});

describe("back office addresses", () => {
  it("refuses a malformed id in the address before doing anything, with a 400 page", async () => {
    const t = await setup();
    const cookie = await signIn();
    const before = await stateOf(t.workspace.id, t.account.id, t.keyId);
    // %0A (a newline) is dropped by URL parsing: the admin call would reach the real workspace or account.
    const ws = `${t.workspace.id}%0A`;
    const acct = `${t.account.id}%0A`;
    const forms: [string, Record<string, string>][] = [
      [`/portal/workspaces/${ws}/accounts`, { currency: "USD" }],
      [`/portal/workspaces/${ws}/api-keys`, { permissions: "payments.read" }],
      [`/portal/workspaces/${ws}/members`, { email: "nl@example.com", role: "owner" }],
      [`/portal/workspaces/${t.workspace.id}/api-keys/${t.keyId}%0A/revoke`, {}],
      [`/portal/workspaces/${t.workspace.id}/oauth-clients/ci_x%0A/revoke`, {}],
      [`/portal/workspaces/${t.workspace.id}/deliveries/msg%20x/retry`, {}],
      [`/portal/accounts/${acct}/status`, { status: "suspended" }],
      [`/portal/accounts/${acct}/adjustments`, { amount: "5", description: "nl", idempotency_key: "k-nl" }],
      [`/portal/accounts/${t.account.id}%2Fx/adjustments`, { amount: "5", description: "nl", idempotency_key: "k-2f" }],
    ];
    const pages = [`/portal/workspaces/${ws}`, `/portal/accounts/${acct}`, `/portal/accounts/${acct}/entries.csv`];
    const answers = [
      ...(await Promise.all(forms.map(([path, form]) => portal(path, { cookie, form })))),
      ...(await Promise.all(pages.map((path) => portal(path, { cookie })))),
    ];
    expect(answers.map((r) => [r.status, r.headers.get("content-type"), r.text.includes("malformed id")])).toEqual(
      Array(forms.length + pages.length).fill([400, "text/html; charset=UTF-8", true]),
    );
    expect(await stateOf(t.workspace.id, t.account.id, t.keyId)).toEqual(before);
  });
});

describe("back office headers", () => {
  it("sends a strict CSP and the other secure headers, and no-store, on every page", async () => {
    const t = await setup();
    const cookie = await signIn();
    for (const path of ["/portal/sign-in", ...t.pages]) {
      const res = await portal(path, { cookie: path === "/portal/sign-in" ? undefined : cookie });
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("style-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("form-action 'self'");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), path).toBe("SAMEORIGIN");
      expect(res.headers.get("cache-control"), path).toBe("no-store");
    }
  });

  it("pages hold no inline script or style", async () => {
    const t = await setup();
    await createKey(t.workspace.id, { permissions: ["payments.read"] });
    const cookie = await signIn();
    for (const path of t.pages.filter((p) => !p.endsWith(".csv"))) {
      const { text } = await portal(path, { cookie });
      expect(text, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(text, path).not.toMatch(/\sstyle=/);
      expect(text, path).not.toMatch(/<style/);
      // Nothing is loaded or linked from another origin (merchant URLs in tables are text, not links).
      expect(text, path).not.toMatch(/(src|href|action)="(https?:)?\/\//);
    }
  });
});

describe("assets served by the Worker itself", () => {
  it("/docs loads the API reference bundle from this origin, not a CDN", async () => {
    const { SELF } = await import("cloudflare:test");
    const html = await (await SELF.fetch("https://api.test/docs")).text();
    expect(html).toContain('<script src="/docs/api-reference.js"');
    expect(html).not.toMatch(/cdn\.|jsdelivr|unpkg|fonts\.scalar/);
    // Static assets answer before the Worker runs (in tests SELF is the Worker itself: ask the assets binding).
    const bundle = await env.ASSETS.fetch("https://api.test/docs/api-reference.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(1_000_000);
  });

  it("serves the portal's stylesheet and script without a session", async () => {
    for (const [file, type] of [
      ["/portal/assets/portal.css", /text\/css/],
      ["/portal/assets/portal.js", /javascript/],
    ] as const) {
      const res = await env.ASSETS.fetch(`https://api.test${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type"), file).toMatch(type);
      await res.body?.cancel();
    }
  });
});
