// Portal admin additions for spec 004: OAuth clients of a merchant workspace, and the visibility of its
// outbound webhooks (deliveries and the signing secret merchants verify them with). Its own sub-router
// with the admin error envelope, mounted under /admin/v1; every route is guarded by requireAdmin.
import { createRoute, z } from "@hono/zod-openapi";
import { hashClientSecret, newClientCredentials } from "../../auth/oauth";
import { database } from "../../db/request-db";
import { DELIVERY_STATUSES, OAUTH_SCOPES } from "../../db/schema";
import { AppError } from "../../lib/errors";
import { retryDelaySeconds } from "../../outbound/deliveries";
import { workspaceWebhookSecret } from "../../outbound/queries";
import { jsonContent } from "../shared/openapi";
import { idParam, uuidParam } from "../shared/params";
import { createSurface } from "../shared/surface";
import { adminErrorRenderer } from "./index";
import { type DeliveryRow, insertOAuthClient, listDeliveries, revokeWorkspaceClient } from "./queries";
import { adminErrors, adminRouteBase } from "./route-base";

const CreateOAuthClient = z
  .object({
    name: z.string().trim().min(1, "name must not be empty").max(200).openapi({ example: "Shop backend" }),
    scopes: z
      .array(z.enum(OAUTH_SCOPES, { error: `scopes may only contain ${OAUTH_SCOPES.join(", ")}` }))
      .min(1, "scopes must list at least one scope")
      .max(OAUTH_SCOPES.length)
      .refine((s) => new Set(s).size === s.length, "scopes must not repeat a scope")
      .openapi({ example: ["read", "write"] }),
  })
  .strict();

const OAuthClientCreated = z
  .object({
    client_id: z.string().openapi({ example: "ci_4Jx9..." }),
    client_secret: z.string().openapi({ description: "Shown only in this response; stored as SHA-256" }),
  })
  .openapi("OAuthClientCreated");

export const Delivery = z
  .object({
    id: z.string().openapi({ example: "msg_2Vb..." }),
    url: z.string(),
    event_type: z.string().openapi({ example: "payment.status_changed" }),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
    next_attempt_at: z.string().nullable().openapi({
      description: "When the queue retries a pending delivery that failed an attempt (null otherwise)",
    }),
  })
  .openapi("WebhookDelivery");

const workspaceParam = uuidParam("workspace_id");

export const createOAuthClient = createRoute({
  ...adminRouteBase,
  method: "post",
  path: "/workspaces/{workspace_id}/oauth-clients",
  description: "An OAuth 2.0 client (client credentials) for the crypto payments API. The secret is shown once.",
  request: {
    params: workspaceParam,
    body: { content: { "application/json": { schema: CreateOAuthClient } }, required: true },
  },
  responses: { 201: jsonContent(OAuthClientCreated, "The client's credentials"), ...adminErrors },
});

export const revokeOAuthClient = createRoute({
  ...adminRouteBase,
  method: "delete",
  path: "/workspaces/{workspace_id}/oauth-clients/{client_id}",
  description:
    "Revokes the client: no new tokens, and its outstanding tokens read nothing more (data queries re-check " +
    "the client).",
  request: {
    params: workspaceParam.extend({
      client_id: idParam("client_id", { maxLength: 100 }),
    }),
  },
  responses: { 204: { description: "Revoked" }, ...adminErrors },
});

export const listDeliveriesRoute = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/workspaces/{workspace_id}/webhook-deliveries",
  description: "The workspace's outbound webhooks, newest first (at most 100), with their delivery state.",
  request: { params: workspaceParam },
  responses: { 200: jsonContent(z.object({ deliveries: z.array(Delivery) }), "Deliveries"), ...adminErrors },
});

export const getWebhookSecret = createRoute({
  ...adminRouteBase,
  method: "get",
  path: "/workspaces/{workspace_id}/webhook-secret",
  description:
    "The Standard Webhooks secret (`whsec_…`) signing this workspace's outbound webhooks, made on first use. " +
    "Merchants verify `webhook-signature` with it.",
  request: { params: workspaceParam },
  responses: {
    200: jsonContent(z.object({ secret: z.string() }).openapi("WebhookSecret"), "The secret"),
    ...adminErrors,
  },
});

export const oauthClientsAdmin = createSurface(adminErrorRenderer);

oauthClientsAdmin.openapi(createOAuthClient, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const input = c.req.valid("json");
  const { clientId, clientSecret } = newClientCredentials();
  const made = await insertOAuthClient(database(c), {
    workspaceId: workspace_id,
    clientId,
    secretHash: await hashClientSecret(clientSecret),
    name: input.name,
    scopes: OAUTH_SCOPES.filter((s) => input.scopes.includes(s)),
  });
  if (!made) throw new AppError("not_found", "Workspace not found");
  return c.json({ client_id: clientId, client_secret: clientSecret }, 201);
});

oauthClientsAdmin.openapi(revokeOAuthClient, async (c) => {
  const { workspace_id, client_id } = c.req.valid("param");
  if (!(await revokeWorkspaceClient(database(c), workspace_id, client_id)))
    throw new AppError("not_found", "OAuth client not found");
  return c.body(null, 204);
});

oauthClientsAdmin.openapi(listDeliveriesRoute, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const row = await listDeliveries(database(c), workspace_id);
  if (!row?.found) throw new AppError("not_found", "Workspace not found");
  // The queue holds the retry timer; its due time follows from the backoff schedule of the last attempt.
  const nextAttempt = (d: DeliveryRow) =>
    d.status === "pending" && d.attempts > 0 && d.last_attempt_at
      ? new Date(Date.parse(d.last_attempt_at) + retryDelaySeconds(d.attempts) * 1000).toISOString()
      : null;
  return c.json({ deliveries: row.deliveries.map((d) => ({ ...d, next_attempt_at: nextAttempt(d) })) }, 200);
});

oauthClientsAdmin.openapi(getWebhookSecret, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const secret = await workspaceWebhookSecret(database(c), workspace_id);
  if (!secret) throw new AppError("not_found", "Workspace not found");
  return c.json({ secret }, 200);
});
