import { z } from "@hono/zod-openapi";
import { MOBILE_MONEY_STATUSES, MOBILE_MONEY_TYPES } from "../../db/schema";
import { amountField, integerQuery, integerWords } from "../../http/params";

export const PaiementsError = z
  .object({
    statusCode: z.number().int().openapi({ example: 401 }),
    message: z.string().openapi({ example: "Invalid API key" }),
    error: z.string().openapi({ example: "Unauthorized", description: "The HTTP reason phrase" }),
  })
  .openapi("PaiementsError");

const oneOf = (name: string, values: readonly string[]) => `${name} must be one of ${values.join(", ")}`;

/** Latest instant a timestamp filter may name (9999-12-31T23:59:59Z). */
const MAX_UNIX_SECONDS = 253402300799;

/** An integer query parameter: digits only (no "", "1e3", "0x10" the way Number() would take them). */
const integerOptions = (name: string, min: number, max: number, description: string) => ({
  min,
  max,
  syntax: /^-?\d+$/,
  wording: { ...integerWords(name), repeated: `${name} must be an integer` },
  doc: { description },
});

export const MAX_PAGE_SIZE = 100;

export const PaymentsQuery = z
  .object({
    page: integerQuery("page", {
      ...integerOptions("page", 0, 1_000_000, "Page number, starting from 0"),
      fallback: 0,
    }),
    size: integerQuery("size", { ...integerOptions("size", 1, MAX_PAGE_SIZE, "Items per page"), fallback: 20 }),
    transaction_type: z
      .enum(MOBILE_MONEY_TYPES, { error: oneOf("transaction_type", MOBILE_MONEY_TYPES) })
      .optional()
      .openapi({ param: { name: "transaction_type", in: "query" } }),
    status: z
      .enum(MOBILE_MONEY_STATUSES, { error: oneOf("status", MOBILE_MONEY_STATUSES) })
      .optional()
      .openapi({ param: { name: "status", in: "query" } }),
    dateFrom: integerQuery(
      "dateFrom",
      integerOptions(
        "dateFrom",
        0,
        MAX_UNIX_SECONDS,
        "Unix timestamp (seconds): payments created at or after this second",
      ),
    ),
    dateTo: integerQuery(
      "dateTo",
      integerOptions(
        "dateTo",
        0,
        MAX_UNIX_SECONDS,
        "Unix timestamp (seconds): payments created at or before this second (the whole second is included)",
      ),
    ),
  })
  // Unknown query parameters are ignored (the policy of every GET surface); known ones are validated.
  .strip()
  .superRefine((q, ctx) => {
    if (q.dateFrom !== undefined && q.dateTo !== undefined && q.dateFrom > q.dateTo) {
      ctx.addIssue({ code: "custom", path: ["dateFrom"], message: "dateFrom must not be after dateTo" });
    }
  });

export const E164 = /^\+[1-9]\d{7,14}$/;
export const SERVICE_MOBILE_CODE = /^[A-Z0-9_]{2,32}$/;
/** Serialized size cap of extra_data. */
export const MAX_EXTRA_DATA_BYTES = 4096;

export const CreatePayment = z
  .object({
    transaction_type: z
      .enum(MOBILE_MONEY_TYPES, { error: oneOf("transaction_type", MOBILE_MONEY_TYPES) })
      .openapi({ example: "PAYMENT" }),
    amount: amountField().openapi({
      description: "Positive, with at most the account currency's minor-unit digits (JSON number or decimal string)",
      example: 2500,
    }),
    description: z
      .string({ error: "description must be a string" })
      .trim()
      .min(1, "description must not be empty")
      .max(500, "description must be at most 500 characters")
      .nullish()
      .openapi({ example: "API payment for subscription" }),
    phone: z
      .string({ error: "phone must be a string" })
      .regex(E164, "phone must be an E.164 number such as +2250506070809")
      .nullish()
      .openapi({ example: "+2250506070809", description: "E.164; required for DIRECT_PAYMENT" }),
    service_mobile_code: z
      .string({ error: "service_mobile_code must be a string" })
      .regex(SERVICE_MOBILE_CODE, "service_mobile_code must be 2-32 characters A-Z, 0-9 or _ (e.g. MTN_CI)")
      .nullish()
      .openapi({ example: "MTN_CI", description: "Mobile-money operator code; required for DIRECT_PAYMENT" }),
    extra_data: z
      .record(z.string(), z.unknown(), { error: "extra_data must be a JSON object" })
      .nullish()
      .openapi({ example: { subscription_id: "sub_789", plan: "premium" }, description: "JSON object, at most 4 KB" }),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.transaction_type === "DIRECT_PAYMENT") {
      if (!p.phone) ctx.addIssue({ code: "custom", path: ["phone"], message: "phone is required for DIRECT_PAYMENT" });
      if (!p.service_mobile_code) {
        ctx.addIssue({
          code: "custom",
          path: ["service_mobile_code"],
          message: "service_mobile_code is required for DIRECT_PAYMENT",
        });
      }
    }
    if (p.extra_data && new TextEncoder().encode(JSON.stringify(p.extra_data)).length > MAX_EXTRA_DATA_BYTES) {
      ctx.addIssue({
        code: "custom",
        path: ["extra_data"],
        message: `extra_data must be at most ${MAX_EXTRA_DATA_BYTES} bytes of JSON`,
      });
    }
  });

export const Payment = z
  .object({
    id: z.string().openapi({ example: "payment_456" }),
    reference: z.string().openapi({ example: "API_PAY_REF_123456789" }),
    amount: z.number().openapi({ example: 2500 }),
    description: z.string().nullable(),
    status: z.enum(MOBILE_MONEY_STATUSES),
    transaction_type: z.enum(MOBILE_MONEY_TYPES),
    phone: z.string().nullable(),
    service_mobile_code: z.string().nullable(),
    extra_data: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string().openapi({ example: "2024-01-16T14:20:00Z" }),
    updatedAt: z.string().openapi({ example: "2024-01-16T14:20:00Z" }),
    organization_id: z.string().openapi({ description: "The workspace id" }),
    api_key_id: z.string().openapi({ description: "The id of the API key that created the payment" }),
  })
  .openapi("MobileMoneyPayment");

export const PaymentsPage = z
  .object({
    data: z.array(Payment),
    total: z.number().int(),
    page: z.number().int(),
    size: z.number().int(),
    totalPages: z.number().int(),
  })
  .openapi("MobileMoneyPaymentsPage");
