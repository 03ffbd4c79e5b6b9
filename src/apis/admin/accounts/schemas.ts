// Bodies and answers of the accounts resource.
import { z } from "@hono/zod-openapi";
import { ACCOUNT_STATUSES } from "../../../db/schema";
import { amountField } from "../../../http/params";
import { cursorQuery, day, limitQuery, periodChecks } from "../common";

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
