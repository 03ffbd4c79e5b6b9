// Parameters (unknown query parameters are ignored) and answers of the admin API's read routes (the back office's lists), and their cursors.
import { z } from "@hono/zod-openapi";
import { ACCOUNT_STATUSES, DELIVERY_STATUSES, LEDGER_SOURCES, LEDGER_TYPES } from "../../db/schema";
import { integerQuery, oneMessage } from "../shared/params";
import { Account, LedgerEntry } from "./schemas";

/** An opaque keyset cursor: base64url of the JSON array of the last row's sort values. */
export function encodeKeyset(values: (string | number)[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify(values));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function decodeKeyset<T extends z.ZodType>(cursor: string, shape: T): z.infer<T> | undefined {
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const text = new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
    const parsed = shape.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const limitQuery = (max: number, fallback: number) =>
  integerQuery("limit", {
    min: 1,
    max,
    fallback,
    syntax: /^\d{1,4}$/,
    wording: oneMessage(`limit must be an integer from 1 to ${max}`),
    doc: { example: fallback, description: `1-${max}, default ${fallback}` },
  });

const cursorQuery = z
  .string()
  .max(500)
  .optional()
  .openapi({ description: "next_cursor of the previous page (opaque)" });

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isCalendarDay = (d: string) => {
  const ms = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(d);
};
const day = (name: string) =>
  z
    .string()
    .regex(DAY, `${name} must be a date (YYYY-MM-DD)`)
    .refine((d) => !DAY.test(d) || isCalendarDay(d), `${name} is not a calendar date`)
    .optional()
    .openapi({ example: "2026-11-01", description: `UTC day, YYYY-MM-DD, inclusive` });

/** Longest period a history or an export covers, in days. */
export const MAX_PERIOD_DAYS = 366;

export const dayMillis = 86_400_000;
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const startOfDay = (d: string) => Date.parse(`${d}T00:00:00Z`);

const periodChecks = <T extends { from?: string; to?: string }>(q: T, ctx: z.RefinementCtx) => {
  if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: "custom", path: ["to"], message: "to is before from" });
  if (q.from && q.to && (startOfDay(q.to) - startOfDay(q.from)) / dayMillis + 1 > MAX_PERIOD_DAYS) {
    ctx.addIssue({ code: "custom", path: ["to"], message: `the period is longer than ${MAX_PERIOD_DAYS} days` });
  }
};

export const WorkspaceListQuery = z.object({
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .openapi({ description: "A workspace id, or the start of a name (case-insensitive)" }),
  limit: limitQuery(100, 50),
  cursor: cursorQuery,
});

export const WorkspaceSummary = z
  .object({ id: z.string(), name: z.string(), created_at: z.string(), account_count: z.number().int() })
  .openapi("WorkspaceSummary");

export const WorkspaceList = z
  .object({ workspaces: z.array(WorkspaceSummary), next_cursor: z.string().nullable() })
  .openapi("WorkspaceList");

export const WorkspaceDetail = WorkspaceSummary.extend({
  api_keys: z.array(
    z.object({
      id: z.string(),
      prefix: z.string(),
      mode: z.string(),
      permissions: z.array(z.string()),
      account_id: z.string().nullable(),
      created_at: z.string(),
      revoked_at: z.string().nullable(),
    }),
  ),
  members: z.array(
    z.object({
      id: z.string(),
      email: z.string(),
      role: z.string(),
      permissions: z.array(z.string()),
      created_at: z.string(),
    }),
  ),
  oauth_clients: z.array(
    z.object({
      client_id: z.string(),
      name: z.string(),
      scopes: z.array(z.string()),
      created_at: z.string(),
      revoked_at: z.string().nullable(),
    }),
  ),
}).openapi("WorkspaceDetail");

export const AccountListQuery = z.object({ limit: limitQuery(100, 50), cursor: cursorQuery });

export const AccountSummary = Account.extend({
  status: z.enum(ACCOUNT_STATUSES),
  entry_count: z.number().int(),
  created_at: z.string(),
}).openapi("AccountSummary");

export const AccountList = z
  .object({ accounts: z.array(AccountSummary), next_cursor: z.string().nullable() })
  .openapi("AccountList");

export const AccountDetail = AccountSummary.extend({
  workspace_name: z.string(),
  updated_at: z.string(),
  overdrawn_at: z.string().nullable(),
  reconciliation: z
    .object({
      entries_sum: z.number(),
      entries_count: z.number().int(),
      difference: z.number().openapi({ description: "balance minus the sum of the entries (0 when balanced)" }),
      balanced: z.boolean().openapi({ description: "The sum of the account's ledger rows equals its balance" }),
    })
    .openapi({ description: "Every ledger row of the account summed and counted at read time" }),
}).openapi("AccountDetail");

const entryFilterFields = {
  source: z.enum(LEDGER_SOURCES).optional(),
  type: z.enum(LEDGER_TYPES).optional(),
  from: day("from"),
  to: day("to"),
};

export const EntryListQuery = z
  .object({ ...entryFilterFields, limit: limitQuery(200, 50), cursor: cursorQuery })
  .superRefine(periodChecks);

export const EntryExportQuery = z.object(entryFilterFields).superRefine(periodChecks);

export const EntryList = z
  .object({ entries: z.array(LedgerEntry), next_cursor: z.string().nullable() })
  .openapi("LedgerEntryList");

export const BalanceHistoryQuery = z.object({ from: day("from"), to: day("to") }).superRefine(periodChecks);

export const BalanceHistory = z
  .object({
    account_id: z.string(),
    currency: z.string(),
    from: z.string(),
    to: z.string(),
    points: z.array(
      z.object({
        date: z.string().openapi({ example: "2026-11-01" }),
        balance: z.number().openapi({ description: "Closing balance of that UTC day" }),
      }),
    ),
  })
  .openapi("BalanceHistory");

export const Overview = z
  .object({
    workspaces: z.number().int(),
    accounts: z.number().int(),
    entries_today: z.number().int().openapi({ description: "Ledger rows posted since 00:00 UTC" }),
    failing_deliveries: z.array(
      z.object({
        id: z.string(),
        workspace_id: z.string(),
        workspace_name: z.string(),
        url: z.string(),
        event_type: z.string(),
        status: z.enum(DELIVERY_STATUSES),
        attempts: z.number().int(),
        last_error: z.string(),
        last_attempt_at: z.string().nullable(),
      }),
    ),
  })
  .openapi("AdminOverview");

export const DeliveryRetried = z
  .object({ id: z.string(), status: z.literal("pending") })
  .openapi("WebhookDeliveryRetried");
