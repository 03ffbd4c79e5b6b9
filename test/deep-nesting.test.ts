// Deeply nested JSON on every JSON body the app documents (the APIs, admin, signed webhooks): whatever
// the depth, a 400 in the route's own documented error shape, never a stack overflow (a 500).
import { env, SELF } from "cloudflare:test";
import { z } from "@hono/zod-openapi";
import { beforeAll, describe, expect, it } from "vitest";
import { makeTenant, type Snapshot, snapshot, type Tenant } from "./fixtures/abuse-tenants";
import { doc, idsFor, isAdmin, isWebhook, type Route, resolve, routes } from "./fixtures/documented-routes";
import { signedHeaders } from "./webhook-signing";

const DEPTH = 10_000;
/** Arrays as deep as fit in the 64 KB JSON body limit with room for a field name. */
const DEEPEST = 32_000;
/** `[[[…[]…]]]`, `depth` arrays deep: 20 KB at 10,000, under the JSON body limit. */
const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

const jsonRoutes = routes.filter((r) => r.bodyType === "application/json");

let A: Tenant;
let B: Tenant;
let before: Snapshot;

beforeAll(async () => {
  A = await makeTenant("deep-a", "100.00");
  B = await makeTenant("deep-b", "100.00");
  before = await snapshot(A, B);
}, 60_000);

const WEBHOOK_SECRETS: Record<string, () => string> = {
  "/webhooks/crypto": () => env.CRYPTO_WEBHOOK_SECRET,
  "/webhooks/sms-gateway": () => env.SMS_GATEWAY_WEBHOOK_SECRET,
  "/webhooks/mobile-money": () => env.MOBILE_MONEY_WEBHOOK_SECRET,
};

/** The caller's own credentials for `route`, as the abuse suite sends them. */
function credentials(route: Route): Record<string, string> {
  if (isAdmin(route)) return { authorization: `Bearer ${env.ADMIN_TOKEN}` };
  if (route.path.startsWith("/api/v1/workspace")) return { authorization: `Bearer ${A.memberToken}` };
  if (route.path.startsWith("/payments")) return { authorization: `Bearer ${A.oauthToken}` };
  if (route.path.startsWith("/v1/account")) return { api_key: A.workspaceKey };
  if (isWebhook(route)) return {};
  return { "x-api-key": A.key };
}

function post(route: Route, body: string) {
  let path = route.path;
  for (const p of route.params.filter((p) => p.in === "path"))
    path = path.replace(`{${p.name}}`, idsFor(route, p.name, { A, B }).own[0] ?? crypto.randomUUID());
  const secret = WEBHOOK_SECRETS[route.path];
  const headers = {
    ...credentials(route),
    "content-type": "application/json",
    ...(secret ? signedHeaders(body, { secret: secret() }) : {}),
  };
  return SELF.fetch(`https://api.test${path}`, { method: route.method, headers, body });
}

/** The route's documented 400 body, as a zod schema. */
function errorShape(route: Route) {
  const op =
    doc.paths[route.path]?.[route.method.toLowerCase()] ??
    doc.paths[route.path + route.path]?.[route.method.toLowerCase()];
  const schema = resolve(op?.responses?.["400"]?.content?.["application/json"]?.schema);
  expect(schema, `${route.method} ${route.path} documents its 400`).toBeDefined();
  return z.fromJSONSchema(schema);
}

describe(`JSON nested ${DEPTH} levels deep`, () => {
  it("covers the JSON bodies of every kind of route", () => {
    for (const prefix of ["/admin/v1/", "/v1/account/", "/api/paiements", "/payments/", "/webhooks/"])
      expect(
        jsonRoutes.some((r) => r.path.startsWith(prefix)),
        prefix,
      ).toBe(true);
  });

  for (const route of jsonRoutes) {
    it(`${route.method} ${route.path}: 400 in its own shape, as the whole body and in each field`, async () => {
      const shape = errorShape(route);
      const bodies = [
        nested(DEPTH),
        ...(route.bodyFields.length ? route.bodyFields : ["data"]).map((f) => `{"${f}":${nested(DEPTH)}}`),
      ];
      // A field holding nested objects, the shape a free-form field (metadata) accepts; and an object
      // holding arrays as deep as the body limit lets them go (a call stack may hold 10,000 frames).
      const objects = `${'{"a":'.repeat(DEPTH)}1${"}".repeat(DEPTH)}`;
      for (const f of route.bodyFields) bodies.push(`{"${f}":${objects}}`, `{"${f}":{"a":${nested(DEEPEST)}}}`);
      for (const body of bodies) {
        const res = await post(route, body);
        const text = await res.text();
        expect(res.status, `${body.slice(0, 40)}… → ${text.slice(0, 300)}`).toBe(400);
        expect(shape.safeParse(JSON.parse(text)).success, text.slice(0, 300)).toBe(true);
      }
    });
  }

  it("changed no balance and posted no entry", async () => {
    expect(await snapshot(A, B)).toEqual(before);
  });
});
