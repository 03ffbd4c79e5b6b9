import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { AppError } from "../lib/errors";
import { type ApiKeyPrincipal, resolveApiKey } from "./api-keys";

export type ApiKeyEnv = AppEnv & { Variables: AppEnv["Variables"] & { apiKey: ApiKeyPrincipal } };

type Options = {
  /** Header carrying the key (`x-api-key` or `api_key`). */
  header: string;
  /** Messages in the surface's own words. */
  messages?: { invalid?: string; forbidden?: (permission: string) => string };
};

/** Authenticates an API key and checks one permission; stores the principal in `c.var.apiKey`. */
export function requireApiKey(permission: string, { header, messages }: Options): MiddlewareHandler<ApiKeyEnv> {
  return async (c, next) => {
    const principal = await resolveApiKey(c, c.req.header(header));
    if (!principal) throw new AppError("unauthorized", messages?.invalid ?? "Invalid API key");
    if (!principal.permissions.includes(permission)) {
      throw new AppError(
        "forbidden",
        messages?.forbidden?.(permission) ?? `API key lacks the ${permission} permission`,
      );
    }
    c.set("apiKey", principal);
    await next();
  };
}
