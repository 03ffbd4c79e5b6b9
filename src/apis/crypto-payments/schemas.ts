// Spec 004 schemas. Validation messages follow the Django REST framework wording the spec's error
// example uses ("Ensure this value is less than or equal to 100."), one list per bad field.
import { z } from "@hono/zod-openapi";
import { CRYPTO_STATUSES } from "../../db/schema";
import { amountField, integerQuery, mustBePositive } from "../../http/params";
import { CURRENCIES, CURRENCY_CODES } from "../../payments/crypto";

export const REQUIRED = "This field is required.";
const ONCE = "Provide this parameter only once.";
const FILTER_MAX_LENGTH = 64;

export const CryptoError = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string().openapi({ example: "Invalid filter parameters" }),
      details: z
        .record(z.string(), z.array(z.string()))
        .optional()
        .openapi({ example: { limit: ["Ensure this value is less than or equal to 100."] } }),
      request_id: z.string().optional(),
    }),
  })
  .openapi("CryptoPaymentsError");

// Query values arrive as a string, or as an array when the parameter is repeated.
const queryValue = z.union([z.string(), z.array(z.string())]).optional();

/** Django REST framework's words for an integer parameter. */
const DRF_INTEGER = {
  notInteger: "A valid integer is required.",
  tooSmall: (min: number) => `Ensure this value is greater than or equal to ${min}.`,
  tooLarge: (max: number) => `Ensure this value is less than or equal to ${max}.`,
  repeated: ONCE,
};

const drfInteger = (name: string, min: number, max: number | undefined, fallback: number) =>
  integerQuery(name, { min, max, fallback, syntax: /^[+-]?\d+$/, trim: true, wording: DRF_INTEGER });

/** A text filter; an empty value means "no filter" (as django-filter treats it). */
function textParam(name: string, description: string, example: string) {
  return queryValue
    .transform((value, ctx) => {
      if (Array.isArray(value)) {
        ctx.addIssue({ code: "custom", message: ONCE });
        return z.NEVER;
      }
      const text = value?.trim();
      if (!text) return undefined;
      if (text.length > FILTER_MAX_LENGTH) {
        ctx.addIssue({
          code: "custom",
          message: `Ensure this field has no more than ${FILTER_MAX_LENGTH} characters.`,
        });
        return z.NEVER;
      }
      return text;
    })
    .openapi({ param: { name, in: "query" }, type: "string", description, example });
}

export const ListQuery = z
  .object({
    limit: drfInteger("limit", 1, 100, 20),
    offset: drfInteger("offset", 0, undefined, 0),
    status: queryValue
      .transform((value, ctx) => {
        if (Array.isArray(value)) {
          ctx.addIssue({ code: "custom", message: ONCE });
          return z.NEVER;
        }
        if (!value) return undefined;
        const status = CRYPTO_STATUSES.find((s) => s === value);
        if (!status) {
          ctx.addIssue({
            code: "custom",
            message: `Select a valid choice. ${value.slice(0, 100)} is not one of the available choices.`,
          });
          return z.NEVER;
        }
        return status;
      })
      .openapi({ param: { name: "status", in: "query" }, type: "string", enum: [...CRYPTO_STATUSES] }),
    currency: textParam("currency", "Combined currency code, case-insensitive", "USDTTRC20"),
    blockchain: textParam(
      "blockchain",
      "Network, case-insensitive; aliases accepted (TRON = TRX, ETHEREUM = ETH, BNB = BSC, BITCOIN = BTC)",
      "TRON",
    ),
    token: textParam("token", "Token symbol, case-insensitive", "USDT"),
  })
  // Unknown query parameters are ignored (the policy of every GET surface); known ones are validated.
  .strip();

export const PaymentSummary = z
  .object({
    transaction_id: z.string().openapi({ format: "uuid", example: "550e8400-e29b-41d4-a716-446655440000" }),
    blockchain: z.string().openapi({ example: "TRX" }),
    currency: z.string().openapi({ example: "USDTTRC20" }),
    status: z.enum(CRYPTO_STATUSES),
    amount_usd: z.string().openapi({ example: "100.00" }),
    amount_crypto: z.string().openapi({ example: "100.050000" }),
    address: z.string().openapi({ example: "TYN2WuEqttM5JjGk4ynGkxcnMRR9SZcvVx" }),
    token: z.string().openapi({ example: "USDT" }),
    order_id: z.string().openapi({ example: "ORDER-12345" }),
    created_at: z.string().openapi({ example: "2026-01-15T10:00:00Z" }),
    updated_at: z.string().openapi({ example: "2026-01-15T10:20:00Z" }),
  })
  .openapi("CryptoPaymentSummary");

export const PaymentList = z
  .object({
    count: z.number().int().openapi({ description: "Payments matching the filters (before pagination)" }),
    total: z.number().int().openapi({ description: "All of the merchant's payments, whatever the filters" }),
    offset: z.number().int(),
    limit: z.number().int(),
    results: z.array(PaymentSummary),
  })
  .openapi("CryptoPaymentList");

export const PaymentDetail = PaymentSummary.extend({
  transaction_hash: z.string().nullable(),
  callback_url: z.string().nullable(),
  confirmations: z.number().int(),
  status_history: z.array(
    z.object({ status: z.enum(CRYPTO_STATUSES), at: z.string().openapi({ example: "2026-01-15T10:00:00Z" }) }),
  ),
}).openapi("CryptoPayment");

const requiredString = (invalid: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? REQUIRED : invalid) });

export const StatusRequest = z
  .object({
    transaction_id: requiredString("Must be a valid UUID.")
      .trim()
      .pipe(z.guid({ error: "Must be a valid UUID." }))
      .transform((id) => id.toLowerCase())
      .openapi({ example: "550e8400-e29b-41d4-a716-446655440000" }),
  })
  .strict();

const MAX_AMOUNT_USD = "99999999.99";

const TOO_LARGE = `Ensure this value is less than or equal to ${MAX_AMOUNT_USD}.`;
const TOO_PRECISE = "Ensure that there are no more than 2 decimal places.";
const NOT_A_NUMBER = "A valid number is required.";

const amountUsd = amountField(
  {
    missing: REQUIRED,
    notNumber: NOT_A_NUMBER,
    invalid: (problem) =>
      problem.includes("too large") ? TOO_LARGE : problem.includes("decimal places") ? TOO_PRECISE : NOT_A_NUMBER,
  },
  (a) => (a.decimals > 2 ? TOO_PRECISE : null),
  mustBePositive("Ensure this value is greater than or equal to 0.01."),
  (a) => ((a.value.split(".")[0] ?? "").length > 8 ? TOO_LARGE : null),
)
  .transform((a) => a.value)
  .openapi({ type: "string", description: "USD, up to 2 decimals (JSON number or decimal string)", example: "100.00" });

export const CALLBACK_URL_PROBLEM = "Enter a valid URL (https to a public host name; no IP addresses).";

/** Names that never lead to a public host: the machine itself, its network, names for internal use. */
const PRIVATE_SUFFIXES = ["localhost", "local", "localdomain", "internal", "intranet", "lan", "home", "corp", "arpa"];
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** A top-level domain: letters, or an IDN's punycode. Never digits, so no IPv4 address in any form passes. */
const TLD = /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** The local-development exception: `localhost` itself, over http or https (never any other loopback form). */
export const isLocalhostCallback = (url: string) => new URL(url).hostname === "localhost";

/**
 * Where merchant webhooks may go: https to a public host name. The URL parser has already written IPv4 in
 * every form (decimal, hex, octal, short) as dotted digits and IPv6 in brackets: both are refused, as is a
 * name with a trailing dot or under a private suffix. `localhost` passes here, and the handler refuses it
 * outside local development (LOCAL_DEVELOPMENT).
 */
export function isRefusedCallbackUrl(value: string): boolean {
  if (!URL.canParse(value)) return true;
  const url = new URL(value);
  if (url.username || url.password) return true;
  if (url.hostname === "localhost") return url.protocol !== "https:" && url.protocol !== "http:";
  if (url.protocol !== "https:") return true;
  const labels = url.hostname.split(".");
  const tld = labels.at(-1) ?? "";
  return (
    labels.length < 2 || !labels.every((label) => LABEL.test(label)) || !TLD.test(tld) || PRIVATE_SUFFIXES.includes(tld)
  );
}

const callbackUrl = z
  .string({ error: "Enter a valid URL." })
  .max(2048, { error: "Ensure this field has no more than 2048 characters." })
  .refine((value) => !isRefusedCallbackUrl(value), { error: CALLBACK_URL_PROBLEM })
  .nullable()
  .optional()
  .openapi({
    example: "https://merchant.example/webhooks/crypto",
    description:
      "https to a public host name; IP addresses are refused. In local development only, `localhost` over http or https.",
  });

export const CreatePayment = z
  .object({
    amount_usd: amountUsd,
    currency: requiredString("Not a valid string.")
      .transform((value, ctx) => {
        const code = value.trim().toUpperCase();
        if (!CURRENCIES[code]) {
          ctx.addIssue({ code: "custom", message: `"${value.slice(0, 50)}" is not a valid choice.` });
          return z.NEVER;
        }
        return code;
      })
      .openapi({ type: "string", enum: CURRENCY_CODES, example: "USDTTRC20" }),
    order_id: requiredString("Not a valid string.")
      .min(1, { error: "This field may not be blank." })
      .max(100, { error: "Ensure this field has no more than 100 characters." })
      .openapi({ example: "ORDER-12345" }),
    callback_url: callbackUrl,
  })
  .strict();
