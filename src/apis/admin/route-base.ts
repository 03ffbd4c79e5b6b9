import { requireAdmin } from "../../auth/admin";
import { jsonContent } from "../shared/openapi";
import { AdminError } from "./schemas";

/** Shared by every /admin/v1 route, whichever router mounts it: tag, security and the admin guard. */
export const adminRouteBase = { tags: ["Portal admin"], security: [{ adminBearer: [] }], middleware: [requireAdmin] };

export const adminErrors = {
  400: jsonContent(AdminError, "Invalid body or parameters"),
  401: jsonContent(AdminError, "Missing or wrong admin token"),
  404: jsonContent(AdminError, "Unknown id"),
};
