import { z } from "@hono/zod-openapi";
import { API_KEY_PERMISSIONS } from "../../auth/api-keys";
import { ACCOUNT_STATUSES, API_KEY_MODES } from "../../db/schema";
import { GATEWAY_STATUSES } from "../../edge/kv-state";
import { amountField } from "../shared/params";

export const AdminError = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.array(z.string())).optional(),
      request_id: z.string().optional(),
    }),
  })
  .openapi("AdminError");

export const CreateWorkspace = z.object({ name: z.string().trim().min(1).max(200) }).strict();
export const Workspace = z.object({ id: z.string(), name: z.string(), created_at: z.string() }).openapi("Workspace");

const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, "currency must be an ISO 4217 code such as EUR")
  .openapi({ example: "EUR" });

export const CreateAccount = z
  .object({
    currency,
    status: z.enum(["setup", "active"]).default("active"),
    overdraft_limit: amountField().optional(),
  })
  .strict();
export const PatchAccount = z.object({ status: z.enum(ACCOUNT_STATUSES) }).strict();
export const Account = z
  .object({
    id: z.string(),
    workspace_id: z.string(),
    currency: z.string(),
    status: z.enum(ACCOUNT_STATUSES),
    balance: z.number(),
    overdraft_limit: z.number(),
  })
  .openapi("Account");

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

const description = z.string().trim().min(1).max(500);
export const CreateAdjustment = z.object({ amount: amountField(), description }).strict();
export const CreateImportedEntry = z
  .object({
    source: z.literal("sms_gateway"),
    type: z.enum(["deposit", "usage"]),
    amount: amountField(),
    description,
    occurred_at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export const LedgerEntry = z
  .object({
    id: z.number(),
    account_id: z.string(),
    amount: z.number(),
    currency: z.string(),
    source: z.string(),
    type: z.string(),
    description: z.string().nullable(),
    balance_after: z.number(),
    occurred_at: z.string().openapi({ description: "The effective date (same as effective_at)" }),
    transaction_id: z
      .number()
      .int()
      .openapi({ description: "The ledger transaction: GET /admin/v1/ledger/transactions/{id}" }),
    effective_at: z
      .string()
      .openapi({ description: "When it happened, as the client or upstream said (ISO 8601 UTC)" }),
    posted_at: z
      .string()
      .openapi({ description: "When the ledger recorded it (ISO 8601 UTC); balance_after follows posting order" }),
  })
  .openapi("LedgerEntry");

export const PutGatewayStatus = z
  .object({ status: z.enum(GATEWAY_STATUSES), reason: z.string().max(500).optional() })
  .strict();
export const GatewayStatusBody = z
  .object({
    status: z.enum(GATEWAY_STATUSES),
    updated_at: z.string().openapi({ description: "When the status last changed" }),
    reason: z.string().optional(),
    source: z.enum(["monitor", "admin"]).optional(),
    checked_at: z.string().optional().openapi({ description: "When the monitor last confirmed it" }),
  })
  .openapi("GatewayStatus");
export const EffectiveGatewayStatusBody = GatewayStatusBody.extend({
  effective_status: z.enum(GATEWAY_STATUSES).openapi({ description: "What the APIs answer from" }),
  unknown: z.boolean().openapi({ description: "The monitor has not confirmed its state in time" }),
}).openapi("EffectiveGatewayStatus");
