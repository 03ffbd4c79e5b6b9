// Builds the Hono app: every API surface, the portal admin API, webhooks, OpenAPI and docs.
import { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { accountTransactionsApi } from "./apis/account-transactions";
import { adminApi } from "./apis/admin";
import { membersAdmin } from "./apis/admin/members";
import { oauthClientsAdmin } from "./apis/admin/oauth-clients";
import { cryptoPaymentsApi } from "./apis/crypto-payments";
import { oauthApi } from "./apis/oauth";
import { paiementsApi } from "./apis/paiements";
import { isReceiptUpload, smsPaymentsApi } from "./apis/sms-payments";
import { userPaymentsApi } from "./apis/user-payments";
import { closeDatabaseAfterResponse } from "./db/request-db";
import type { AppEnv } from "./env";
import { cryptoWebhook } from "./webhooks/crypto";
import { mobileMoneyWebhook } from "./webhooks/mobile-money";
import { smsGatewayWebhook } from "./webhooks/sms-gateway";

/** JSON bodies of this API are small; anything larger is refused before it is parsed. */
const MAX_JSON_BODY_BYTES = 64 * 1024;

export function buildApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", requestId());
  app.use("*", async (c, next) => {
    await next();
    c.header("X-Request-Id", c.get("requestId"));
  });
  app.use("*", closeDatabaseAfterResponse);
  const jsonBodyLimit = bodyLimit({
    maxSize: MAX_JSON_BODY_BYTES,
    onError: (c) => c.json({ error: { code: "payload_too_large", message: "Request body too large" } }, 413),
  });
  // The SMS payment receipt upload (spec 003) applies its own, larger limit on its route.
  app.use("*", (c, next) => (isReceiptUpload(c.req.method, c.req.path) ? next() : jsonBodyLimit(c, next)));

  app.get("/health", (c) => c.json({ status: "ok" }));
  app.route("/admin/v1", adminApi);
  app.route("/admin/v1", membersAdmin);
  app.route("/admin/v1", oauthClientsAdmin);
  app.route("/oauth", oauthApi);
  // Spec 004 paths carry a trailing slash (/payments/, /payments/status/): the router holds full paths.
  app.route("/", cryptoPaymentsApi);
  app.route("/webhooks/crypto", cryptoWebhook);
  app.route("/api/v1/user", userPaymentsApi);
  app.route("/api/v1/workspace", smsPaymentsApi);
  app.route("/api/paiements", paiementsApi);
  app.route("/webhooks/mobile-money", mobileMoneyWebhook);
  app.route("/webhooks/sms-gateway", smsGatewayWebhook);
  app.route("/v1/account", accountTransactionsApi);

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
    info: { title: "payments-edge", version: "1.0.0", description: "Payments ledger API at the edge" },
  });
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "payments-edge API" }));

  app.notFound((c) => c.json({ error: { code: "not_found", message: "No such route" } }, 404));
  app.onError((err, c) => {
    console.error(JSON.stringify({ requestId: c.get("requestId"), error: String(err) }));
    return c.json(
      { error: { code: "internal", message: "Internal server error", request_id: c.get("requestId") } },
      500,
    );
  });
  return app;
}
