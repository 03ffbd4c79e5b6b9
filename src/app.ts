// Builds the Hono app: every API surface, the portal admin API, webhooks, OpenAPI and docs.
import { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { adminApi } from "./apis/admin";
import { userPaymentsApi } from "./apis/user-payments";
import { closeDatabaseAfterResponse } from "./db/request-db";
import type { AppEnv } from "./env";

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
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_JSON_BODY_BYTES,
      onError: (c) => c.json({ error: { code: "payload_too_large", message: "Request body too large" } }, 413),
    }),
  );

  app.get("/health", (c) => c.json({ status: "ok" }));
  app.route("/admin/v1", adminApi);
  app.route("/api/v1/user", userPaymentsApi);

  app.openAPIRegistry.registerComponent("securitySchemes", "adminBearer", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
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
