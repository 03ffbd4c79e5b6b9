// The JSON answer each documented route promises, per status, as the zod schemas of the app's own OpenAPI
// registry: rawCall() (helpers.ts) checks every JSON answer against the schema its route documents for that status.
import type { z } from "@hono/zod-openapi";
import { buildApp } from "../src/app";

type DocumentedRoute = {
  method: string;
  path: string;
  operationId: string | undefined;
  pattern: RegExp;
  params: number;
  responses: Record<string, unknown>;
};

/** A router that registered its full path under its mount point documents it twice: the route is one copy. */
const realPath = (p: string) =>
  p.length % 2 === 0 && p.slice(0, p.length / 2) === p.slice(p.length / 2) ? p.slice(0, p.length / 2) : p;

const literal = (text: string) => text.replace(/[.*+?^$()|[\]\\]/g, "\\$&");

const routes: DocumentedRoute[] = [];
for (const def of buildApp().openAPIRegistry.definitions) {
  if (def.type !== "route") continue;
  const path = realPath(def.route.path);
  const parts = path.split(/\{[^}]+\}/);
  routes.push({
    method: def.route.method.toUpperCase(),
    path,
    operationId: def.route.operationId,
    pattern: new RegExp(`^${parts.map(literal).join("[^/]+")}$`),
    params: parts.length - 1,
    responses: def.route.responses,
  });
}
// The most specific route first: /payments/status/ before a template that could also match it.
routes.sort((a, b) => a.params - b.params);

const isSchema = (value: unknown): value is z.ZodType =>
  typeof value === "object" && value !== null && "safeParse" in value && typeof value.safeParse === "function";

/** The full path (with its `{param}` templates) of the route named `operationId`, for callRoute (route-call.ts). */
export function documentedPath(operationId: string): string {
  const found = routes.filter((r) => r.operationId === operationId);
  const [route] = found;
  if (!route || found.length > 1) throw new Error(`${found.length} documented routes are named ${operationId}`);
  return route.path;
}

/** The schema of the JSON body a documented response (one entry of a route's `responses`) holds, if any. */
export function jsonSchemaOf(response: unknown): z.ZodType | undefined {
  if (typeof response !== "object" || response === null || !("content" in response)) return undefined;
  const { content } = response;
  if (typeof content !== "object" || content === null || !("application/json" in content)) return undefined;
  const json = content["application/json"];
  const schema = typeof json === "object" && json !== null && "schema" in json ? json.schema : undefined;
  return isSchema(schema) ? schema : undefined;
}

/** The schema of the JSON body `method path` documents for `status`, if it documents one. */
export function documentedAnswer(method: string, path: string, status: number): z.ZodType | undefined {
  const bare = path.split("?")[0] ?? path;
  const route = routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(bare));
  return jsonSchemaOf(route?.responses[String(status)]);
}
