// Every /admin/v1 route is made by adminRoute: its tag, security scheme, operationId and summary, the
// admin guard, the role its operationId needs (roles.ts) and the admin budget.
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { requireAdmin, requireRole } from "../../auth/admin";
import { IdempotencyHeader, jsonContent, rateLimited } from "../../http/openapi";
import { perAdminToken } from "../../http/rate-limit";
import { routeMiddleware } from "../../http/surface";
import { AdminError } from "./errors";
import { type AdminOperation, ROUTE_ROLES } from "./roles";

type AdminRouteConfig = Omit<RouteConfig, "middleware" | "security" | "tags" | "operationId" | "summary"> & {
  operationId: AdminOperation;
  summary: string;
};

export function adminRoute<const R extends AdminRouteConfig>(config: R) {
  return createRoute({
    ...config,
    // Every admin route can meet the database down; a route with a body, the JSON body limit.
    responses: {
      503: jsonContent(AdminError, "The database is unreachable; retry later"),
      ...(config.request?.body ? { 413: jsonContent(AdminError, "The body is larger than its limit") } : {}),
      ...(config.request?.headers === IdempotencyHeader
        ? {
            409: jsonContent(AdminError, "A request with the same Idempotency-Key is still being processed"),
            422: jsonContent(AdminError, "The Idempotency-Key was already used with a different request"),
          }
        : {}),
      ...config.responses,
    },
    tags: ["Portal admin"],
    security: [{ adminBearer: [] }],
    middleware: routeMiddleware(requireAdmin, perAdminToken, requireRole(ROUTE_ROLES[config.operationId])),
  });
}

export const adminErrors = {
  400: jsonContent(AdminError, "Invalid body or parameters"),
  401: jsonContent(AdminError, "Missing or wrong admin token"),
  403: jsonContent(AdminError, "The caller's role does not allow this route"),
  404: jsonContent(AdminError, "Unknown id"),
  429: rateLimited(AdminError, "admin token"),
};
