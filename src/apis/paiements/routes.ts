import { createRoute, z } from "@hono/zod-openapi";
import { CreatePayment, PaiementsError, Payment, PaymentsPage, PaymentsQuery } from "./schemas";

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const base = { tags: ["Mobile-money payments (spec 001)"], security: [{ apiKeyHeader: [] }] };
const authErrors = {
  401: json(PaiementsError, "Missing, unknown or revoked API key (`Invalid API key`)"),
  503: json(PaiementsError, "The ledger database is unreachable"),
};

export const listByApiKey = createRoute({
  ...base,
  method: "get",
  path: "/api-key",
  description:
    "The payments created with the presented API key, newest first. `dateFrom`/`dateTo` are Unix seconds and " +
    "bound `createdAt` inclusively (the whole `dateTo` second is included). Unknown query parameters are refused.",
  request: { query: PaymentsQuery },
  responses: {
    200: json(PaymentsPage, "One page of payments and the pagination metadata"),
    400: json(PaiementsError, "A filter value is invalid, or an unknown query parameter was given"),
    403: json(PaiementsError, "The key lacks `payments.read`"),
    ...authErrors,
  },
});

export const createPayment = createRoute({
  ...base,
  method: "post",
  path: "/",
  description:
    "Creates a mobile-money payment in status `INIT` with a generated `reference`. The mobile-money gateway then " +
    "moves it through `PENDING` to `COMPLETE`, `FAILED` or `TIMEOUT` by signed webhooks (`POST /webhooks/mobile-money`); " +
    "reaching `COMPLETE` credits the key's account once. Requires `payments.write` and a key bound to an account. " +
    "Send an `Idempotency-Key` to retry safely: the same key and body replay the first answer " +
    "(`Idempotent-Replayed: true`), a different body with the same key is refused with 422.",
  request: {
    headers: z.object({
      "idempotency-key": z
        .string()
        .optional()
        .openapi({ description: "Idempotency-Key: 1-255 printable ASCII characters; retries with it create once" }),
    }),
    body: { content: { "application/json": { schema: CreatePayment } }, required: true },
  },
  responses: {
    201: json(Payment, "The payment, status INIT"),
    400: json(PaiementsError, "Invalid body (names the field)"),
    403: json(
      PaiementsError,
      "The key lacks `payments.write`, is not bound to an account, or the account is suspended",
    ),
    409: json(PaiementsError, "A request with the same Idempotency-Key is still being processed"),
    422: json(PaiementsError, "The Idempotency-Key was already used with a different body"),
    ...authErrors,
  },
});
