// Bodies and answers of the oauth-clients resource.
import { z } from "@hono/zod-openapi";
import { OAUTH_SCOPES } from "../../../db/schema";
import { WorkspaceOAuthClient } from "../workspaces/schemas";

export const CreateOAuthClient = z
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

export const OAuthClientCreated = z
  .object({
    client_id: z.string().openapi({ example: "ci_4Jx9..." }),
    client_secret: z.string().openapi({ description: "Shown only in this response; stored as SHA-256" }),
  })
  .openapi("OAuthClientCreated");

export const OAuthClientList = z
  .object({ oauth_clients: z.array(WorkspaceOAuthClient), next_cursor: z.string().nullable() })
  .openapi("OAuthClientList");
