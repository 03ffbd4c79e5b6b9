// Bodies and answers of the entries resource.
import { z } from "@hono/zod-openapi";
import { LEDGER_SOURCES, LEDGER_TYPES } from "../../../db/schema";
import { amountField } from "../../../http/params";
import { cursorQuery, day, limitQuery, periodChecks } from "../common";

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
      .openapi({ description: "The ledger transaction: GET /admin/v1/ledger/transactions/{transaction_id}" }),
    effective_at: z
      .string()
      .openapi({ description: "When it happened, as the client or upstream said (ISO 8601 UTC)" }),
    posted_at: z
      .string()
      .openapi({ description: "When the ledger recorded it (ISO 8601 UTC); balance_after follows posting order" }),
  })
  .openapi("LedgerEntry");

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
