// Operator tokens (`op_…`): stored as SHA-256 only, resolved to the named operator they belong to.
import type { Context } from "hono";
import type { Actor, AdminEnv } from "./admin";

export async function resolveOperatorToken(_c: Context<AdminEnv>, _token: string): Promise<Actor | null> {
  return null;
}
