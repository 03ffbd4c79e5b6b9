// Builds the Hono app: every API surface, the portal admin API, webhooks, OpenAPI and docs.
import { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { accountTransactionsApi } from "./apis/account-transactions";
import { adminApi } from "./apis/admin";
import { isReportImport } from "./apis/admin/reconciliations/routes";
import { cryptoPaymentsApi } from "./apis/crypto-payments";
import { oauthApi } from "./apis/oauth";
import { paiementsApi } from "./apis/paiements";
import { isReceiptUpload, smsPaymentsApi } from "./apis/sms-payments";
import { userPaymentsApi } from "./apis/user-payments";
import type { AppEnv } from "./env";
import { renderError, type Surface } from "./http/surface";
import { AppError } from "./lib/errors";
import { createPortal } from "./portal";
import { cryptoWebhook } from "./webhooks/crypto";
import { mobileMoneyWebhook } from "./webhooks/mobile-money";
import { smsGatewayWebhook } from "./webhooks/sms-gateway";

/** Every router and the path prefix it is mounted at. */
const SURFACES: [string, Surface][] = [
  ["/admin/v1", adminApi],
  ["/oauth", oauthApi],
  // Spec 004 paths carry a trailing slash (/payments/, /payments/status/): that router holds full paths.
  ["/", cryptoPaymentsApi],
  ["/webhooks/crypto", cryptoWebhook],
  ["/api/v1/user", userPaymentsApi],
  ["/api/v1/workspace", smsPaymentsApi],
  ["/api/paiements", paiementsApi],
  ["/webhooks/mobile-money", mobileMoneyWebhook],
  ["/webhooks/sms-gateway", smsGatewayWebhook],
  ["/v1/account", accountTransactionsApi],
];

/** Where Workers Static Assets serve the API reference bundle (scripts/lib/docs-assets.mjs puts it there). */
export const DOCS_BUNDLE_PATH = "/docs/api-reference.js";

/** Where generated clients send requests: `npm run dev`'s worker, and the deployed Worker's host. */
export const OPENAPI_SERVERS = [
  { url: "http://localhost:8787", description: "Local: `npm run dev`" },
  {
    url: "https://{host}",
    description: "Production: the deployed Worker's custom domain or workers.dev host",
    variables: { host: { default: "payments-edge.your-subdomain.workers.dev" } },
  },
];

/**
 * The document's license: OpenAPI 3.1 names it by an SPDX expression (`identifier`), which the config type of
 * doc31 (shared with 3.0, which has no `identifier`) does not list, so it is given as a constant.
 */
const OPENAPI_LICENSE = { name: "Proprietary", identifier: "LicenseRef-Proprietary" };

/** JSON bodies of this API are small; anything larger is refused before it is parsed. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

export function buildApp() {
  const app = new OpenAPIHono<AppEnv>();
  // requestId() puts X-Request-Id on the answers Hono's context builds; a handler's own Response (CSV
  // export, receipt download) gets it afterwards. Only then: c.header() on a finished answer copies it.
  app.use("*", requestId());
  const jsonBodyLimit = bodyLimit({
    maxSize: MAX_JSON_BODY_BYTES,
    onError: () => {
      throw new AppError("payload_too_large", `Request body larger than ${MAX_JSON_BODY_BYTES} bytes`);
    },
  });
  // One middleware for the two rules below (each layer costs every request a dispatch): JSON bodies are
  // limited, except the SMS payment receipt upload (spec 003) and the settlement report import (issue
  // 20, streamed and bounded by its own reader), which apply their own, larger limits; a request without
  // a body skips the check. Then the answer carries X-Request-Id even when a handler built it.
  app.use("*", async (c, next) => {
    if (
      c.req.raw.body === null ||
      isReceiptUpload(c.req.method, c.req.path) ||
      isReportImport(c.req.method, c.req.path)
    ) {
      await next();
    } else {
      await jsonBodyLimit(c, next);
    }
    if (!c.res.headers.has("X-Request-Id")) c.header("X-Request-Id", c.get("requestId"));
  });

  app.get("/health", (c) => c.json({ status: "ok" }));
  // The back office: its forms call the admin routes of this same app, in-process.
  app.route(
    "/portal",
    createPortal((request, env, ctx) => app.fetch(request, env, ctx)),
  );
  for (const [prefix, surface] of SURFACES) app.route(prefix, surface);
  app.openAPIRegistry.registerComponent("securitySchemes", "adminBearer", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "accountApiKey", {
    type: "apiKey",
    in: "header",
    name: "api_key",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "payments-edge",
      version: "1.0.0",
      description: "Payments ledger API at the edge",
      license: OPENAPI_LICENSE,
    },
    servers: OPENAPI_SERVERS,
  });
  // The reference bundle is this Worker's own static asset (public/docs/, from @scalar/api-reference), and
  // no web fonts or hosted extras are fetched: /docs renders with no network.
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      pageTitle: "payments-edge API",
      cdn: DOCS_BUNDLE_PATH,
      withDefaultFonts: false,
      // Scalar's hosted extras (AI agent, telemetry) call its servers: off.
      agent: { disabled: true },
      telemetry: false,
      showDeveloperTools: "never",
    }),
  );

  // Errors raised before a surface's router runs (body limit, unknown path) still answer in the shape
  // of the surface whose prefix the path is under.
  const rendererFor = (path: string) =>
    SURFACES.find(([prefix]) => prefix !== "/" && (path === prefix || path.startsWith(`${prefix}/`)))?.[1]
      .errorRenderer ?? (path.startsWith("/payments") ? cryptoPaymentsApi.errorRenderer : adminApi.errorRenderer);
  app.notFound((c) => renderError(c, new AppError("not_found", "No such route"), rendererFor(c.req.path)));
  app.onError((err, c) => renderError(c, err, rendererFor(c.req.path)));
  return app;
}
