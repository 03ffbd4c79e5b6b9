import { z } from "@hono/zod-openapi";
import { instantField, integerQuery, integerWords } from "../../http/params";
import { PAYMENT_SOURCES, PAYMENT_TYPES } from "./queries";

export const UserApiError = z
  .object({ error_code: z.string(), description: z.string(), request_id: z.string().optional() })
  .openapi("UserApiError");

export const PaymentsQuery = z
  .object({
    // Read as JavaScript's Number() reads it ("1e2", " 5"), as this spec always has.
    limit: integerQuery("limit", {
      min: 1,
      max: 1000,
      fallback: 100,
      syntax: "number",
      wording: { ...integerWords("limit"), repeated: "limit must be an integer" },
      doc: { example: 100 },
    }),
    cursor: z
      .string()
      .max(200)
      .optional()
      .openapi({ param: { name: "cursor", in: "query" }, description: "Opaque; from the Link rel=next header" }),
    from: instantField()
      .optional()
      .openapi({ param: { name: "from", in: "query" }, description: "Inclusive lower bound (ISO 8601)" }),
    to: instantField()
      .optional()
      .openapi({ param: { name: "to", in: "query" }, description: "Exclusive upper bound (ISO 8601)" }),
    type: z
      .enum(PAYMENT_TYPES)
      .optional()
      .openapi({ param: { name: "type", in: "query" }, description: "The mapped type (see `UserPayment.type`)" }),
  })
  // Unknown query parameters are ignored (the policy of every GET surface); known ones are validated.
  .strip();

export const Payment = z
  .object({
    id: z.string().openapi({
      example: "sms_gateway_S12345",
      description: "`portal_P{ledger id}` for portal rows, `sms_gateway_S{ledger id}` for every other row",
    }),
    amount: z.number().openapi({ example: 500 }),
    currency: z.string(),
    date: z.string().openapi({ example: "2026-02-10T14:30:00Z" }),
    type: z.enum(PAYMENT_TYPES).openapi({
      description:
        "`usage`: a usage charge (negative: gateway SMS usage, spec 002 record-usage); `adjustment`: every " +
        "manual entry (portal adjustments, spec 003 SMS payments) and every reversal; `deposit`: every other " +
        "incoming payment (gateway deposits, spec 001 mobile money, spec 002 add-funds, spec 004 crypto)",
    }),
    description: z.string().nullable(),
    source: z.enum(PAYMENT_SOURCES).openapi({
      description:
        "`portal`: a manual entry (portal adjustments, spec 003 SMS payments, their reversals); `sms_gateway`: " +
        "every upstream payment (SMS gateway, spec 001 mobile money, spec 002 add-funds and record-usage, spec " +
        "004 crypto)",
    }),
  })
  .openapi("UserPayment");

export const SetupAnswer = z
  .object({ status: z.literal(false), error: z.literal("Account is in setup process"), account_id: z.string() })
  .openapi("AccountInSetup");

export const Balance = z
  .object({
    account_id: z.string(),
    balance: z.number().nullable().openapi({ description: "null while the gateway is unavailable" }),
    currency: z.string(),
    gateway_status: z.enum(["ok", "partial", "unavailable"]),
  })
  .openapi("UserBalance");
