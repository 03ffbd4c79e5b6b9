import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { timingSafeEqualStrings } from "../lib/crypto";
import { AppError } from "../lib/errors";

/** `Authorization: Bearer <ADMIN_TOKEN>`; the token is a Worker secret. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header);
  const expected = c.env.ADMIN_TOKEN;
  if (!match?.[1] || !expected || !timingSafeEqualStrings(match[1].trim(), expected)) {
    throw new AppError("unauthorized", "Missing or invalid admin token");
  }
  await next();
};
