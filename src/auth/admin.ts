// Who calls the admin API: the bootstrap ADMIN_TOKEN (an admin recorded as `bootstrap`) or a named
// operator, and which role each route needs. Routes take their role from src/apis/admin/roles.ts.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { timingSafeEqualStrings } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { resolveOperatorToken } from "./operators";

export const OPERATOR_ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** Who acts: `id` null and email `bootstrap` for the ADMIN_TOKEN. */
export type Actor = { id: string | null; email: string; role: OperatorRole; bootstrap: boolean };

export const BOOTSTRAP_ACTOR: Actor = Object.freeze({ id: null, email: "bootstrap", role: "admin", bootstrap: true });

export type AdminEnv = AppEnv & { Variables: AppEnv["Variables"] & { actor: Actor } };

/** Each role holds the rights of those before it in OPERATOR_ROLES. */
export const roleAllows = (have: OperatorRole, need: OperatorRole) =>
  OPERATOR_ROLES.indexOf(have) >= OPERATOR_ROLES.indexOf(need);

/** The bootstrap token is on unless ADMIN_TOKEN_ENABLED is "false" (production turns it off). */
export const bootstrapEnabled = (env: AppEnv["Bindings"]) =>
  Boolean(env.ADMIN_TOKEN) && (env.ADMIN_TOKEN_ENABLED ?? "true").trim().toLowerCase() !== "false";

export const bearerToken = (header: string | undefined) => /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim();

/** `Authorization: Bearer <ADMIN_TOKEN | op_…>`: sets `c.var.actor`. */
export const requireAdmin: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  let actor: Actor | null = null;
  if (token && bootstrapEnabled(c.env) && timingSafeEqualStrings(token, c.env.ADMIN_TOKEN)) actor = BOOTSTRAP_ACTOR;
  else if (token?.startsWith("op_")) actor = await resolveOperatorToken(c, token);
  if (!actor) throw new AppError("unauthorized", "Missing or invalid admin token");
  c.set("actor", actor);
  await next();
};

/** 403 in the admin shape, before anything is read or changed, when the actor's role is below `need`. */
export const requireRole =
  (need: OperatorRole): MiddlewareHandler<AdminEnv> =>
  async (c, next) => {
    if (!roleAllows(c.get("actor").role, need)) {
      throw new AppError("forbidden", `This action needs the ${need} role`);
    }
    await next();
  };
