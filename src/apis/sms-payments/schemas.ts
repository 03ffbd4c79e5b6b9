import { z } from "@hono/zod-openapi";
import { SMS_PAYMENT_METHODS } from "../../db/schema";
import { amountField, idParam, instantField, integerQuery, integerWords, mustBePositive } from "../../http/params";
import { ERROR_STATUS, type ErrorKind } from "../../lib/errors";
import { isReceiptType, MAX_RECEIPT_BYTES, RECEIPT_LINK_TTL_MINUTES, RECEIPT_TYPE_MESSAGE } from "./receipts";

/** The one error body of this surface. `requestId` only on 5xx; never internals. */
export const WorkspaceApiError = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorKind, ...ErrorKind[]]).openapi({ example: "forbidden" }),
      message: z.string().openapi({ example: "You do not have permission to view SMS payments" }),
      requestId: z.string().optional().openapi({ description: "Only on 5xx answers; quote it to support" }),
    }),
  })
  .openapi("WorkspaceApiError", {
    description:
      "Every error of the workspace API: 400 bad query or field, 401 missing/invalid/expired/revoked token, " +
      "403 no permission (or a bad receipt link), 404 unknown workspace (or one the token does not belong to), " +
      "429 past the member's rate limit, 5xx with a requestId.",
  });

export const WorkspaceParams = z.object({
  workspaceId: idParam("workspaceId", { description: "Workspace identifier (UUID)" }),
});

export const PaymentParams = WorkspaceParams.extend({
  id: idParam("id", { description: "Payment identifier (24 hex characters)", example: "507f1f77bcf86cd799439011" }),
});

export const ReceiptFileParams = PaymentParams.extend({
  filename: idParam("filename", { example: "scan.png" }),
});

/** Checked by the signature, not by validation: any problem with them answers 403 (receipts.ts). */
export const ReceiptLinkQuery = z.object({
  member: z
    .string()
    .optional()
    .openapi({ param: { name: "member", in: "query" } }),
  version: z
    .string()
    .optional()
    .openapi({ param: { name: "version", in: "query" } }),
  expires: z
    .string()
    .optional()
    .openapi({ param: { name: "expires", in: "query" }, description: "Unix seconds" }),
  signature: z
    .string()
    .optional()
    .openapi({ param: { name: "signature", in: "query" } }),
});

/** Strictly digits, at most 9 (no "1e2", "", "1.0", "-0"). */
const DIGITS = /^\d{1,9}$/;

export const ListQuery = z
  .object({
    limit: integerQuery("limit", { min: 1, max: 100, fallback: 50, syntax: DIGITS, wording: integerWords("limit") }),
    offset: integerQuery("offset", {
      min: 0,
      max: 999_999_999,
      fallback: 0,
      syntax: DIGITS,
      wording: integerWords("offset"),
    }),
  })
  // Unknown query parameters are ignored (the policy of every GET surface); known ones are validated.
  .strip();

const ReceiptImage = z
  .object({
    url: z.string().openapi({
      description:
        `A signed link to the file that needs no header, valid ${RECEIPT_LINK_TTL_MINUTES} minutes from this ` +
        "answer and revoked with the member's tokens (GET .../sms/payments/{id}/receipt/{filename}). The " +
        "Bearer route GET .../sms/payments/{id}/receipt serves the same file.",
      example:
        "https://api.example.com/api/v1/workspace/0c6f.../sms/payments/507f1f77bcf86cd799439011/receipt/r.png" +
        "?member=…&version=0&expires=1736937000&signature=…",
    }),
    path: z.string().openapi({ description: "Object key in storage", example: "sms-payments/0c6f.../507f.../r.png" }),
    sizeBytes: z.number().int().openapi({ example: 50000 }),
  })
  .openapi("SmsPaymentReceiptImage");

export const SmsPayment = z
  .object({
    id: z.string().openapi({ example: "507f1f77bcf86cd799439011" }),
    workspaceId: z.string(),
    amount: z.number().openapi({ example: 50 }),
    paymentMethod: z.enum(SMS_PAYMENT_METHODS),
    description: z.string().nullable(),
    notes: z.string().nullable(),
    paymentDate: z.string().nullable().openapi({ example: "2025-01-15T10:30:00.000Z" }),
    receiptImage: ReceiptImage.nullable(),
    createdAt: z.string().openapi({ example: "2025-01-15T10:30:00.000Z" }),
    updatedAt: z.string().openapi({ example: "2025-01-15T10:30:00.000Z" }),
  })
  .openapi("SmsPayment");

export type SmsPaymentJson = z.infer<typeof SmsPayment>;

export const SmsPaymentList = z
  .object({
    payments: z.array(SmsPayment),
    pagination: z.object({
      total: z.number().int(),
      limit: z.number().int(),
      offset: z.number().int(),
      hasMore: z.boolean(),
    }),
  })
  .openapi("SmsPaymentList");

/** Optional free text: trimmed; empty means absent (what an HTML form sends for an empty field). */
const optionalText = (name: string) =>
  z
    .string()
    .trim()
    .max(1000, `${name} must be at most 1000 characters`)
    .optional()
    .transform((v) => (v ? v : null));

const EARLIEST_PAYMENT_DATE = Date.UTC(1970, 0, 1);

export const CreatePaymentForm = z
  .object({
    amount: amountField(undefined, mustBePositive("amount must be positive")).openapi({
      type: "string",
      example: "50.00",
      description: "Decimal text, within the account's currency precision",
    }),
    paymentMethod: z.enum(SMS_PAYMENT_METHODS),
    description: optionalText("description"),
    notes: optionalText("notes"),
    paymentDate: instantField("paymentDate must be an ISO 8601 date-time", {
      at: EARLIEST_PAYMENT_DATE,
      message: "paymentDate must not be before 1970",
    })
      .optional()
      .transform((date) => date ?? null)
      .openapi({ type: "string", format: "date-time", example: "2025-01-15T10:30:00.000Z" }),
    receipt: z
      .custom<File>((v) => v instanceof File, "receipt must be a file")
      .superRefine((file, ctx) => {
        if (!(file instanceof File)) return;
        if (file.size > MAX_RECEIPT_BYTES) ctx.addIssue({ code: "custom", message: "receipt must be at most 5 MB" });
        if (!isReceiptType(file.type)) ctx.addIssue({ code: "custom", message: RECEIPT_TYPE_MESSAGE.slice(9) });
      })
      .optional()
      .openapi({
        type: "string",
        format: "binary",
        description: "image/jpeg, image/png or application/pdf, at most 5 MB (checked against the file's bytes)",
      }),
  })
  .strict();

export { IdempotencyHeader } from "../../http/openapi";
