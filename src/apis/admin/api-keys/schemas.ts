// Bodies and answers of the api-keys resource.
import { z } from "@hono/zod-openapi";
import { API_KEY_PERMISSIONS } from "../../../auth/api-keys";
import { API_KEY_MODES } from "../../../db/schema";
import { WorkspaceApiKey } from "../workspaces/schemas";

export const CreateApiKey = z
  .object({
    account_id: z.uuid().optional(),
    permissions: z.array(z.enum(API_KEY_PERMISSIONS)).min(1).max(API_KEY_PERMISSIONS.length),
    mode: z.enum(API_KEY_MODES).default("test"),
  })
  .strict();
export const ApiKeyCreated = z
  .object({ id: z.string(), key: z.string(), prefix: z.string(), permissions: z.array(z.string()) })
  .openapi("ApiKeyCreated");

export const ApiKeyList = z
  .object({ api_keys: z.array(WorkspaceApiKey), next_cursor: z.string().nullable() })
  .openapi("ApiKeyList");
