// Hostile input on every route the app documents (its own OpenAPI document, so a new route is covered
// the day it lands): wrong types, huge, negative and NaN amounts, unicode and SQL-ish strings,
// oversized bodies and headers, malformed JSON, other tenants' ids. Never a 5xx, never internals in a
// body, never a change in any balance, never another tenant's data.
import { env, SELF } from "cloudflare:test";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { API_KEY_PERMISSIONS } from "../src/auth/api-keys";
import { admin, call, query, sql } from "./helpers";

/** Generated requests per route: modest, so the file stays well under a minute. */
const RUNS = 30;

// ---------- hostile values ----------

const SQLISH = [
  "' OR '1'='1",
  "1; DROP TABLE ledger_entries; --",
  '" OR 1=1 --',
  "') UNION SELECT secret_hash FROM api_keys --",
  "%' AND pg_sleep(2) --",
  "$1",
  "::text",
  "\\",
  "NULL",
  "{{7*7}}",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  "${7*7}",
  "../../etc/passwd",
  "%00",
];
const UNICODE = ["Ünïcödé", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "😀💸", "\u202Eevil", "a\u0000b", "\uD800", "ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ", "١٢٣", "５", ""];
const NUMERIC_TEXT = [
  "NaN",
  "Infinity",
  "-Infinity",
  "1e400",
  "0x10",
  "1,5",
  " ",
  ".",
  "-",
  "--5",
  "1.00001",
  "9".repeat(40),
];
/** Amounts no route may accept (whatever its sign rules): they must be refused before any posting. */
const BAD_AMOUNTS: unknown[] = [
  ...NUMERIC_TEXT,
  0,
  -0,
  "0",
  "0.00",
  1e300,
  -1e300,
  1e15,
  "1e15",
  "1000000000000000000",
  1.00001,
  "-1.00001",
  null,
  true,
  {},
  [],
  [5],
  { value: 5 },
  "abc",
  "5; DROP TABLE accounts",
  ...SQLISH,
  ...UNICODE,
];
/** Amounts that are refused where only positive amounts are valid (spec writes), but not by the admin. */
const NEGATIVE_AMOUNTS: unknown[] = [-1, -0.01, "-5", -1e11];
const VALID_AMOUNTS: unknown[] = [1, "1.00", 25.5];

const scalar = fc.oneof(
  fc.constantFrom<unknown>(
    ...SQLISH,
    ...UNICODE,
    ...NUMERIC_TEXT,
    -1,
    0,
    1e308,
    -1e308,
    2 ** 53 + 1,
    1e-300,
    true,
    null,
  ),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constant("x".repeat(5_000)) },
);

/** Text safe in a URL or header (no lone surrogates, and Latin-1 only for headers). */
const urlSafe = (s: string) => s.replace(/[\uD800-\uDFFF]/g, "?");
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e\xa0-\xff]/g, "?");
const asText = (v: unknown) => (typeof v === "string" ? v : (JSON.stringify(v) ?? "undefined"));

// ---------- the two tenants ----------

type Tenant = {
  workspaceId: string;
  accountId: string;
  usdAccountId: string;
  key: string;
  keyId: string;
  workspaceKey: string;
  memberId: string;
  memberToken: string;
  clientId: string;
  clientUuid: string;
  oauthToken: string;
  smsPaymentId: string;
  cryptoPaymentId: string;
  marker: string;
};
let A: Tenant;
let B: Tenant;
/** Strings only tenant B's data contains. */
let bMarkers: string[] = [];

const ALL_PERMISSIONS = [...API_KEY_PERMISSIONS];

async function ok(res: Promise<{ status: number; json: any; text: string }>, status = 201) {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text}`);
  return r.json;
}

function multipartBody(fields: Record<string, string | { name: string; type: string; bytes: Uint8Array }>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === "string") form.append(k, v);
    else form.append(k, new File([v.bytes], v.name, { type: v.type }));
  }
  return form;
}

async function makeTenant(label: string, opening: string): Promise<Tenant> {
  const marker = `zz-${label}-secret-${crypto.randomUUID()}`;
  const ws = await ok(admin("POST", "/workspaces", { name: `Abuse ${label}` }));
  const acct = await ok(admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "EUR" }));
  const usd = await ok(admin("POST", `/workspaces/${ws.id}/accounts`, { currency: "USD" }));
  await ok(admin("POST", `/accounts/${acct.id}/adjustments`, { amount: opening, description: marker }));
  const key = await ok(
    admin("POST", `/workspaces/${ws.id}/api-keys`, { account_id: acct.id, permissions: ALL_PERMISSIONS }),
  );
  const wsKey = await ok(
    admin("POST", `/workspaces/${ws.id}/api-keys`, {
      permissions: ["transactions.read", "funds.write", "usage.write"],
    }),
  );
  const member = await ok(
    admin("POST", `/workspaces/${ws.id}/members`, { email: `${label}@abuse.example`, role: "owner" }),
  );
  const token = await ok(admin("POST", `/members/${member.id}/tokens`, {}));
  const client = await ok(
    admin("POST", `/workspaces/${ws.id}/oauth-clients`, { name: marker, scopes: ["read", "write"] }),
  );
  const tokenRes = await call("POST", "/oauth/token", {
    headers: {
      authorization: `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
  if (tokenRes.status !== 200) throw new Error(tokenRes.text);
  const [clientRow] = await query<{ id: string }>(
    sql`SELECT id::text AS id FROM oauth_clients WHERE client_id = ${client.client_id}`,
  );

  // Data of every surface carrying the marker.
  await ok(
    call("POST", "/api/paiements", {
      headers: { "x-api-key": key.key },
      body: { transaction_type: "PAYMENT", amount: 1500, description: marker },
    }),
  );
  const smsRes = await SELF.fetch(`https://api.test/api/v1/workspace/${ws.id}/sms/payments`, {
    method: "POST",
    headers: { authorization: `Bearer ${token.token}` },
    body: multipartBody({ amount: "12.50", paymentMethod: "cash", description: marker }),
  });
  const sms = (await smsRes.json()) as any;
  if (smsRes.status !== 201) throw new Error(JSON.stringify(sms));
  const crypto_ = await ok(
    call("POST", "/payments/", {
      headers: { authorization: `Bearer ${tokenRes.json.access_token}` },
      body: { amount_usd: "42.00", currency: "USDTTRC20", order_id: marker },
    }),
  );
  return {
    workspaceId: ws.id,
    accountId: acct.id,
    usdAccountId: usd.id,
    key: key.key,
    keyId: key.id,
    workspaceKey: wsKey.key,
    memberId: member.id,
    memberToken: token.token,
    clientId: client.client_id,
    clientUuid: clientRow!.id,
    oauthToken: tokenRes.json.access_token,
    smsPaymentId: (sms.id ?? sms.payment?.id) as string,
    cryptoPaymentId: crypto_.transaction_id as string,
    marker,
  };
}

type Snapshot = Record<string, { balance: string; entries: number }>;

async function snapshot(): Promise<Snapshot> {
  const rows = await query<{ id: string; balance: string; entries: string }>(sql`
    SELECT a.id::text AS id, a.balance::text AS balance,
      (SELECT count(*) FROM ledger_entries e WHERE e.account_id = a.id)::text AS entries
    FROM accounts a WHERE a.workspace_id IN (${A.workspaceId}, ${B.workspaceId}) ORDER BY a.id`);
  return Object.fromEntries(rows.map((r) => [r.id, { balance: r.balance, entries: Number(r.entries) }]));
}

// ---------- routes, from the app's own OpenAPI document ----------

type Route = {
  method: string;
  path: string;
  params: { name: string; in: string }[];
  bodyType?: string;
  bodyFields: string[];
};

const doc = buildApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "abuse", version: "1" } }) as any;
const resolve = (s: any) => (s?.$ref ? doc.components.schemas[s.$ref.split("/").pop()] : s);
/** A sub-router that registered its full path under its mount point documents it twice: the route is one copy. */
const realPath = (p: string) =>
  p.length % 2 === 0 && p.slice(0, p.length / 2) === p.slice(p.length / 2) ? p.slice(0, p.length / 2) : p;

const routes: Route[] = [];
for (const [path, ops] of Object.entries(doc.paths ?? {}) as [string, Record<string, any>][]) {
  for (const [method, op] of Object.entries(ops)) {
    const content = op.requestBody?.content ?? {};
    const bodyType = Object.keys(content)[0];
    const schema = bodyType ? resolve(content[bodyType].schema) : undefined;
    routes.push({
      method: method.toUpperCase(),
      path: realPath(path),
      params: (op.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in })),
      bodyType,
      bodyFields: Object.keys(schema?.properties ?? {}),
    });
  }
}

const isAdmin = (r: Route) => r.path.startsWith("/admin/");
const isWebhook = (r: Route) => r.path.startsWith("/webhooks/");
const AMOUNT_FIELDS = new Set(["amount", "amount_usd", "overdraft_limit"]);

/** Own and foreign values for a path parameter of `route`. */
function idsFor(route: Route, name: string): { own: string[]; foreign: string[] } {
  if (/^workspace_?id$/i.test(name)) return { own: [A.workspaceId], foreign: [B.workspaceId] };
  if (/^account_?id$/i.test(name))
    return { own: [A.accountId, A.usdAccountId], foreign: [B.accountId, B.usdAccountId] };
  if (name === "member_id") return { own: [A.memberId], foreign: [B.memberId] };
  if (name === "client_id") return { own: [A.clientId], foreign: [B.clientId] };
  if (name === "id" && route.path.includes("api-keys")) return { own: [A.keyId], foreign: [B.keyId] };
  if (name === "id" && route.path.includes("sms/payments")) return { own: [A.smsPaymentId], foreign: [B.smsPaymentId] };
  return { own: [], foreign: [] };
}

type Generated = {
  url: string;
  init: RequestInit & { headers: Record<string, string> };
  /** Everything the request carries, to tell an echo of the input from a leak. */
  sent: string;
};

function requestFor(route: Route): fc.Arbitrary<Generated> {
  const pathParams = route.params.filter((p) => p.in === "path").map((p) => p.name);
  const queryParams = route.params.filter((p) => p.in === "query").map((p) => p.name);
  // A DELETE of one's own resource is a legitimate request (admin DELETEs act on anyone's): only strangers.
  const destructive = route.method === "DELETE";
  const idChoice = (name: string) => {
    const { own, foreign } = idsFor(route, name);
    const pool = [
      ...(destructive ? [] : own.map((v) => ({ v, own: true }))),
      ...(destructive && isAdmin(route) ? [] : foreign.map((v) => ({ v, own: false }))),
    ];
    return fc.oneof(
      ...(pool.length ? [{ weight: 3, arbitrary: fc.constantFrom(...pool) }] : []),
      { weight: 1, arbitrary: fc.uuid().map((v) => ({ v, own: false })) },
      { weight: 2, arbitrary: hostileValue.map((v) => ({ v: asText(v), own: false })) },
    );
  };
  const pathArb = fc.tuple(...pathParams.map(idChoice)).map((choices) => {
    let path = route.path;
    pathParams.forEach((name, i) => {
      path = path.replace(`{${name}}`, encodeURIComponent(urlSafe(choices[i]!.v)));
    });
    // A write aimed at the caller's own resource must fail on its body; at anyone else's it may look valid.
    return { path, ownTarget: pathParams.length === 0 || choices.some((c) => c.own) || isAdmin(route) };
  });

  const queryArb = fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(...(queryParams.length ? queryParams : ["q"])),
          fc.constantFrom("x", "__proto__", "limit", "page"),
        ),
        fc.oneof(hostileValue.map(asText), fc.constantFrom("1", "20", "0", "-1", "100000000000")),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(urlSafe(v))}`).join("&"));

  const credentials = (): fc.Arbitrary<Record<string, string>> => {
    const own = ((): Record<string, string> => {
      if (isAdmin(route)) return { authorization: `Bearer ${env.ADMIN_TOKEN}` };
      if (route.path.startsWith("/api/v1/workspace")) return { authorization: `Bearer ${A.memberToken}` };
      if (route.path.startsWith("/payments")) return { authorization: `Bearer ${A.oauthToken}` };
      if (route.path.startsWith("/oauth")) return { authorization: `Basic ${btoa(`${B.clientId}:wrong-secret`)}` };
      if (route.path.startsWith("/v1/account")) return { api_key: A.workspaceKey };
      return { "x-api-key": A.key };
    })();
    const name = Object.keys(own)[0]!;
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant(own) },
      { weight: 1, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: hostileValue.map((v) => ({ [name]: headerSafe(`Bearer ${asText(v)}`) })) },
      { weight: 1, arbitrary: fc.constant({ [name]: "x".repeat(20_000) }) },
    );
  };

  const extraHeaders = fc.oneof(
    { weight: 4, arbitrary: fc.constant({} as Record<string, string>) },
    { weight: 1, arbitrary: hostileValue.map((v) => ({ "idempotency-key": headerSafe(asText(v)) })) },
    { weight: 1, arbitrary: fc.constant({ "x-padding": "p".repeat(16_000) }) },
    { weight: 1, arbitrary: fc.constant({ "content-type": "text/plain" }) },
  );

  return fc
    .record({ target: pathArb, qs: queryArb, creds: credentials(), extra: extraHeaders, pick: fc.nat(99) })
    .chain(({ target, qs, creds, extra, pick }) =>
      bodyFor(route, target.ownTarget, pick).map((body) => {
        const headers: Record<string, string> = { ...creds, ...body.headers, ...extra };
        const url = `https://api.test${target.path}${qs ? `?${qs}` : ""}`;
        const sent = `${decodeURIComponent(url)} ${JSON.stringify(headers)} ${body.sent}`;
        const short = (t: string) => (t.length > 240 ? `${t.slice(0, 240)}…(${t.length} chars)` : t);
        return {
          url,
          init: { method: route.method, headers, body: body.body },
          sent,
          // fast-check prints this for a counterexample instead of the whole (possibly huge) request.
          [fc.toStringMethod]: () =>
            `${route.method} ${short(decodeURIComponent(url))} headers: ${short(JSON.stringify(headers))} body: ${short(body.sent)}`,
        };
      }),
    );
}

type Body = { body?: BodyInit; headers: Record<string, string>; sent: string };

function fieldValues(route: Route, field: string, ownTarget: boolean): fc.Arbitrary<unknown> {
  if (AMOUNT_FIELDS.has(field)) {
    const positiveOnly = !isAdmin(route);
    return fc.constantFrom(
      ...BAD_AMOUNTS,
      ...(positiveOnly ? NEGATIVE_AMOUNTS : []),
      // Only a request aimed at someone else's resource may carry a valid amount: it must be refused.
      ...(positiveOnly && !ownTarget ? VALID_AMOUNTS : []),
    );
  }
  return hostileValue;
}

function bodyFor(route: Route, ownTarget: boolean, pick: number): fc.Arbitrary<Body> {
  if (!route.bodyType && route.method === "GET") return fc.constant({ headers: {}, sent: "" });
  const fields = route.bodyFields.length ? route.bodyFields : ["data"];
  const objectArb = fc
    .tuple(
      ...fields.map((f) => fc.option(fieldValues(route, f, ownTarget), { freq: 4 }).map((v) => [f, v] as const)),
      fc.option(fc.tuple(fc.constantFrom("extra", "__proto__", "constructor", "balance"), hostileValue), { freq: 2 }),
    )
    .map((entries) => {
      const obj: Record<string, unknown> = {};
      for (const e of entries) if (e && e[1] !== null) obj[e[0] as string] = e[1];
      // Every amount-bearing body keeps a hostile amount: fc.option may have dropped it.
      for (const f of fields) if (AMOUNT_FIELDS.has(f) && !(f in obj)) obj[f] = "NaN";
      return obj;
    });

  if (route.bodyType === "multipart/form-data") {
    return objectArb.map((obj) => {
      const fields: Record<string, string | { name: string; type: string; bytes: Uint8Array }> = {};
      for (const [k, v] of Object.entries(obj)) {
        fields[k] =
          k === "receipt"
            ? {
                name: `${urlSafe(asText(v)).slice(0, 50)}.png`,
                type: pick % 2 ? "image/png" : "text/html",
                bytes: new Uint8Array(pick * 37),
              }
            : urlSafe(asText(v));
      }
      return { body: multipartBody(fields), headers: {}, sent: JSON.stringify(obj) };
    });
  }
  if (route.bodyType === "application/x-www-form-urlencoded") {
    return objectArb.map((obj) => {
      const text = Object.entries(obj)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(urlSafe(asText(v)))}`)
        .join("&");
      return { body: text, headers: { "content-type": "application/x-www-form-urlencoded" }, sent: text };
    });
  }
  const json = (text: string) => ({ body: text, headers: { "content-type": "application/json" }, sent: text });
  const shapes: fc.Arbitrary<Body>[] = [
    objectArb.map((o) => json(JSON.stringify(o))),
    fc
      .constantFrom("{", '{"amount":', "[1,2", "nul", '{"a":1}}', "\u0000", '{"amount": 1e999999}', "'single'", "")
      .map(json),
    fc.constantFrom("[]", "null", "42", '"text"', "{}").map(json),
    fc.constant(json(JSON.stringify({ [fields[0]!]: "x".repeat(70_000) }))),
  ];
  const base = fc.oneof(
    { weight: 6, arbitrary: shapes[0]! },
    ...shapes.slice(1).map((a) => ({ weight: 1, arbitrary: a })),
  );
  if (!isWebhook(route)) return base;
  // Webhooks: half of them correctly signed by the upstream, so the hostile body reaches the handler.
  const secret =
    route.path === "/webhooks/crypto"
      ? env.CRYPTO_WEBHOOK_SECRET
      : route.path === "/webhooks/sms-gateway"
        ? env.SMS_GATEWAY_WEBHOOK_SECRET
        : env.MOBILE_MONEY_WEBHOOK_SECRET;
  return fc.tuple(base, fc.boolean()).map(([b, sign]) => {
    if (!sign || typeof b.body !== "string")
      return { ...b, headers: { ...b.headers, "webhook-id": "msg_x", "webhook-signature": "v1,bad" } };
    const id = `msg_abuse_${crypto.randomUUID()}`;
    const now = new Date();
    return {
      ...b,
      headers: {
        ...b.headers,
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": new Webhook(secret).sign(id, now, b.body),
      },
    };
  });
}

// Postgres, driver or stack-trace text in a body would be an internal leaking out.
const INTERNALS =
  /syntax error at or near|violates (check|foreign key|unique|not-null) constraint|relation "[a-z_]+"|node_modules|\bat [\w$.<>]+ \(|\.ts:\d+:\d+|drizzle|neondatabase/i;

const stats = { tried: 0, fiveXX: 0, statuses: {} as Record<number, number>, leaks: 0 };
let before: Snapshot;

beforeAll(async () => {
  A = await makeTenant("a", "555.55");
  B = await makeTenant("b", "987654.32");
  const [bRef] = await query<{ reference: string }>(
    sql`SELECT reference FROM mobile_money_payments WHERE workspace_id = ${B.workspaceId} LIMIT 1`,
  );
  const [bBalance] = await query<{ balance: string }>(
    sql`SELECT trim_scale(balance)::text AS balance FROM accounts WHERE id = ${B.accountId}`,
  );
  bMarkers = [B.marker, bRef!.reference, B.cryptoPaymentId, B.smsPaymentId, "987654.32", bBalance!.balance];
  before = await snapshot();
}, 60_000);

afterAll(async () => {
  console.log(
    `abuse: inputs tried: ${stats.tried}, 5xx seen: ${stats.fiveXX}, leaks seen: ${stats.leaks}, ` +
      `statuses: ${JSON.stringify(stats.statuses)}`,
  );
});

describe("hostile input on every documented route", () => {
  it("documents the surfaces it attacks", () => {
    const prefixes = [
      "/admin/v1/",
      "/api/v1/user/",
      "/api/paiements",
      "/v1/account/",
      "/api/v1/workspace/",
      "/payments/",
      "/webhooks/",
    ];
    for (const p of prefixes)
      expect(
        routes.some((r) => r.path.startsWith(p)),
        p,
      ).toBe(true);
  });

  for (const route of routes) {
    it(`${route.method} ${route.path}: never a 5xx, internals or another tenant's data`, async () => {
      await fc.assert(
        fc.asyncProperty(requestFor(route), async (req) => {
          const res = await SELF.fetch(req.url, req.init);
          const text = await res.text();
          stats.tried++;
          stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
          if (res.status >= 500) stats.fiveXX++;
          expect(res.status, `→ ${text.slice(0, 300)}`).toBeLessThan(500);
          expect(text).not.toMatch(INTERNALS);
          if (!isAdmin(route)) {
            const leaked = bMarkers.filter((m) => text.includes(m) && !req.sent.includes(m));
            if (leaked.length) stats.leaks++;
            expect(leaked, "leaked tenant B's data").toEqual([]);
          }
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    });
  }

  it("changed no balance and posted no entry", async () => {
    const after = await snapshot();
    const changed = Object.keys(before).filter(
      (id) => after[id]?.balance !== before[id]!.balance || after[id]?.entries !== before[id]!.entries,
    );
    console.log(`abuse: accounts checked: ${Object.keys(before).length}, balance changes: ${changed.length}`);
    expect(changed).toEqual([]);
    expect(stats.tried).toBeGreaterThan(routes.length * RUNS * 0.9);
  });
});
