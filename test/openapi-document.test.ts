// The /openapi.json the worker serves is what SDK generators read: every operation named (operationId,
// the generated method's name, unique and never renamed) and summarised, every route's security declared,
// and servers to send requests to. `npm run lint:openapi` lints the same document with Redocly's rules.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";

const Operation = z.looseObject({
  operationId: z.string().optional(),
  summary: z.string().optional(),
  requestBody: z.looseObject({ content: z.record(z.string(), z.unknown()) }).optional(),
  responses: z.record(z.string(), z.unknown()),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
});
const Doc = z.looseObject({
  servers: z.array(z.unknown()).optional(),
  paths: z.record(z.string(), z.record(z.string(), Operation)),
  components: z.looseObject({
    securitySchemes: z.record(
      z.string(),
      z.looseObject({ type: z.string(), in: z.string().optional(), name: z.string().optional() }),
    ),
  }),
});
type Op = z.infer<typeof Operation> & { key: string };

/**
 * The operationIds of the customer-facing routes, as generated clients name their methods: a rename breaks
 * every client built before it, so a change here is a change of contract. A new route adds its line.
 */
const PUBLIC_OPERATION_IDS: Record<string, string> = {
  "GET /api/v1/user/payments": "listUserPayments",
  "GET /api/v1/user/balance": "getUserBalance",
  "GET /api/paiements/api-key": "listPaiementsByApiKey",
  "POST /api/paiements": "createPaiement",
  "GET /v1/account/{accountId}/transactions": "listAccountTransactions",
  "POST /v1/account/{accountId}/transactions/add-funds": "addAccountFunds",
  "POST /v1/account/{accountId}/transactions/record-usage": "recordAccountUsage",
  "GET /api/v1/workspace/{workspaceId}/sms/payments": "listSmsPayments",
  "POST /api/v1/workspace/{workspaceId}/sms/payments": "createSmsPayment",
  "GET /api/v1/workspace/{workspaceId}/sms/payments/{id}/receipt": "getSmsPaymentReceipt",
  "GET /api/v1/workspace/{workspaceId}/sms/payments/{id}/receipt/{filename}": "getSmsPaymentReceiptByLink",
  "DELETE /api/v1/workspace/{workspaceId}/sms/payments/{id}": "deleteSmsPayment",
  "GET /payments/": "listCryptoPayments",
  "POST /payments/": "createCryptoPayment",
  "POST /payments/status/": "getCryptoPaymentStatus",
  "POST /oauth/token": "issueAccessToken",
  "POST /webhooks/crypto": "receiveCryptoEvent",
  "POST /webhooks/mobile-money": "receiveMobileMoneyEvent",
  "POST /webhooks/sms-gateway": "receiveSmsGatewayEvent",
};

/** Each webhook receiver's security scheme: its upstream's Standard Webhooks signature header. */
const WEBHOOK_SCHEMES: Record<string, string> = {
  "POST /webhooks/crypto": "cryptoSignature",
  "POST /webhooks/mobile-money": "mobileMoneySignature",
  "POST /webhooks/sms-gateway": "smsGatewaySignature",
};

let doc: z.infer<typeof Doc>;
let operations: Op[];

beforeAll(async () => {
  const res = await SELF.fetch("https://api.test/openapi.json");
  expect(res.status).toBe(200);
  doc = Doc.parse(await res.json());
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ ...op, key: `${method.toUpperCase()} ${path}` })),
  );
});

describe("/openapi.json for SDK generators", () => {
  it("gives every operation a camelCase operationId and a summary", () => {
    expect(
      operations.filter((op) => !op.operationId || !/^[a-z][a-zA-Z0-9]*$/.test(op.operationId)).map((op) => op.key),
    ).toEqual([]);
    expect(operations.filter((op) => !op.summary?.trim()).map((op) => op.key)).toEqual([]);
  });

  it("never gives two operations the same operationId", () => {
    const ids = operations.flatMap((op) => (op.operationId ? [op.operationId] : []));
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("keeps the customer-facing operationIds as published", () => {
    const published = Object.fromEntries(
      operations.filter((op) => !op.key.includes(" /admin/v1/")).map((op) => [op.key, op.operationId]),
    );
    expect(published).toEqual(PUBLIC_OPERATION_IDS);
  });

  it("declares the security of every operation, with schemes the document defines", () => {
    expect(operations.filter((op) => op.security === undefined).map((op) => op.key)).toEqual([]);
    const schemes = new Set(Object.keys(doc.components.securitySchemes));
    const undefinedSchemes = operations.flatMap((op) =>
      (op.security ?? []).flatMap((requirement) => Object.keys(requirement).filter((name) => !schemes.has(name))),
    );
    expect(undefinedSchemes).toEqual([]);
    // The one route open to anyone holding the link: its signature is in the query, checked by the handler.
    expect(operations.filter((op) => op.security?.length === 0).map((op) => op.key)).toEqual([
      "GET /api/v1/workspace/{workspaceId}/sms/payments/{id}/receipt/{filename}",
    ]);
  });

  it("shows each webhook receiver's signature header as its security scheme", () => {
    for (const [key, scheme] of Object.entries(WEBHOOK_SCHEMES)) {
      expect(operations.find((op) => op.key === key)?.security, key).toEqual([{ [scheme]: [] }]);
      expect(doc.components.securitySchemes[scheme], scheme).toMatchObject({
        type: "apiKey",
        in: "header",
        name: "webhook-signature",
      });
    }
  });

  it("documents the 413 of the body limit wherever a JSON or form body is taken", () => {
    // A multipart receipt upload (spec 003) has its own limit, which its contract answers with 400.
    const bodied = operations.filter((op) => op.requestBody && !op.requestBody.content["multipart/form-data"]);
    expect(bodied.length).toBeGreaterThan(20);
    expect(bodied.filter((op) => !op.responses["413"]).map((op) => op.key)).toEqual([]);
  });

  it("documents each webhook receiver's budget (429) and a database outage (503)", () => {
    for (const key of Object.keys(WEBHOOK_SCHEMES)) {
      const op = operations.find((o) => o.key === key);
      expect([key, Object.keys(op?.responses ?? {}).filter((s) => s === "429" || s === "503")]).toEqual([
        key,
        ["429", "503"],
      ]);
    }
  });

  it("names the local worker and a production placeholder as servers", () => {
    expect(doc.servers).toEqual([
      { url: "http://localhost:8787", description: "Local: `npm run dev`" },
      {
        url: "https://{host}",
        description: "Production: the deployed Worker's custom domain or workers.dev host",
        variables: { host: { default: "payments-edge.your-subdomain.workers.dev" } },
      },
    ]);
  });
});
