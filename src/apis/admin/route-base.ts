import { requireAdmin } from "../../auth/admin";
import { jsonContent, rateLimited } from "../shared/openapi";
import { perAdminToken } from "../shared/rate-limit";
import { routeMiddleware } from "../shared/surface";
import { AdminError } from "./schemas";

/** Shared by every /admin/v1 route, whichever router mounts it: tag, security, the admin guard and its budget. */
export const adminRouteBase = {
  tags: ["Portal admin"],
  security: [{ adminBearer: [] }],
  middleware: routeMiddleware(requireAdmin, perAdminToken),
};

export const adminErrors = {
  400: jsonContent(AdminError, "Invalid body or parameters"),
  401: jsonContent(AdminError, "Missing or wrong admin token"),
  404: jsonContent(AdminError, "Unknown id"),
  429: rateLimited(AdminError, "admin token"),
};
