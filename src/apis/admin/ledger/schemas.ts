// Parameters and answers of the ledger resource: the trial balance, one transaction, a system account's legs.
import { z } from "@hono/zod-openapi";
import { isSystemAccount } from "../../../ledger/posting";
import { cursorQuery, limitQuery } from "../common";

const decimal = (description: string) =>
  z.string().openapi({ description: `${description} (exact decimal text)`, example: "500.00" });

export const TrialBalance = z
  .object({
    currencies: z.array(
      z.object({
        currency: z.string(),
        customer_total: decimal("The sum of every customer account's balance"),
        system_accounts: z.array(z.object({ code: z.string(), balance: decimal("The system account's balance") })),
        total: decimal("customer_total plus every system balance: 0.00 when the ledger balances"),
      }),
    ),
  })
  .openapi("TrialBalance");

export const LedgerLeg = z.object({
  account: z.string().openapi({ description: "A customer account's id, or a system account's code" }),
  amount: decimal("Signed: the legs of a transaction sum to zero per currency"),
  currency: z.string(),
});

export const LedgerTransaction = z
  .object({
    id: z.number().int(),
    effective_at: z
      .string()
      .openapi({ description: "When it happened, as the client or upstream said (ISO 8601 UTC)" }),
    posted_at: z.string().openapi({ description: "When the ledger recorded it (ISO 8601 UTC)" }),
    legs: z.array(LedgerLeg),
  })
  .openapi("LedgerTransaction");

export const TransactionParam = z.object({
  transaction_id: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, "transaction_id must be a positive integer")
    .transform(Number)
    .openapi({ param: { name: "transaction_id", in: "path" }, example: "1042" }),
});

export const SystemAccountParam = z.object({
  code: z
    .string()
    .refine(isSystemAccount, "code must be a system account code such as clearing:sms_gateway")
    .openapi({ param: { name: "code", in: "path" }, example: "clearing:sms_gateway" }),
});

export const SystemEntriesQuery = z.object({
  currency: z
    .string({ error: "currency is required" })
    .regex(/^[A-Z]{3}$/, "currency must be an ISO 4217 code such as EUR")
    .openapi({ example: "EUR" }),
  limit: limitQuery(200, 50),
  cursor: cursorQuery,
});

export const SystemEntries = z
  .object({
    entries: z.array(
      z.object({
        transaction_id: z.number().int(),
        amount: decimal("Signed amount of the leg"),
        currency: z.string(),
        effective_at: z.string(),
        posted_at: z.string(),
      }),
    ),
    next_cursor: z.string().nullable(),
  })
  .openapi("SystemAccountEntries");
