import { createRoute } from "@hono/zod-openapi";
import { requireApiKey } from "../../auth/api-key-middleware";
import { IdempotencyHeader, jsonContent, rateLimited } from "../../http/openapi";
import { perApiKey, type RateLimitClass } from "../../http/rate-limit";
import { routeMiddleware } from "../../http/surface";
import { CreatePayment, PaiementsError, Payment, PaymentsPage, PaymentsQuery } from "./schemas";

export const INVALID_KEY = "Invalid API key";

/** The key and its permission, refused in spec 001's words, then the key's budget. */
const apiKey = (permission: string, forbidden: string, cls: RateLimitClass) =>
  routeMiddleware(
    requireApiKey(permission, { header: "x-api-key", messages: { invalid: INVALID_KEY, forbidden: () => forbidden } }),
    perApiKey(cls),
  );

const base = { tags: ["Mobile-money payments (spec 001)"], security: [{ apiKeyHeader: [] }] };
const authErrors = {
  429: rateLimited(PaiementsError, "API key"),
  401: jsonContent(PaiementsError, "Missing, unknown or revoked API key (`Invalid API key`)"),
  503: jsonContent(PaiementsError, "The ledger database is unreachable"),
};

export const listByApiKey = createRoute({
  ...base,
  method: "get",
  path: "/api-key",
  operationId: "listPaiementsByApiKey",
  summary: "List the payments created with this API key",
  middleware: apiKey("payments.read", "API key does not have permission to access payments", "read"),
  description:
    "The payments created with the presented API key, newest first. `dateFrom`/`dateTo` are Unix seconds and " +
    "bound `createdAt` inclusively (the whole `dateTo` second is included). Unknown query parameters are ignored.",
  request: { query: PaymentsQuery },
  responses: {
    200: jsonContent(PaymentsPage, "One page of payments and the pagination metadata"),
    400: jsonContent(PaiementsError, "A filter value is invalid"),
    403: jsonContent(PaiementsError, "The key lacks `payments.read`"),
    ...authErrors,
  },
});

export const createPayment = createRoute({
  ...base,
  method: "post",
  path: "/",
  operationId: "createPaiement",
  summary: "Create a mobile-money payment",
  middleware: apiKey("payments.write", "API key does not have permission to create payments", "money"),
  description:
    "Creates a mobile-money payment in status `INIT` with a generated `reference`. The mobile-money gateway then " +
    "moves it through `PENDING` to `COMPLETE`, `FAILED` or `TIMEOUT` by signed webhooks (`POST /webhooks/mobile-money`); " +
    "reaching `COMPLETE` credits the key's account once. Requires `payments.write` and a key bound to an account. " +
    "Send an `Idempotency-Key` to retry safely: the same key and body replay the first answer " +
    "(`Idempotent-Replayed: true`), a different body with the same key is refused with 422.",
  request: {
    headers: IdempotencyHeader,
    body: { content: { "application/json": { schema: CreatePayment } }, required: true },
  },
  responses: {
    201: jsonContent(Payment, "The payment, status INIT"),
    400: jsonContent(PaiementsError, "Invalid body (names the field)"),
    403: jsonContent(
      PaiementsError,
      "The key lacks `payments.write`, is not bound to an account, or the account is suspended",
    ),
    409: jsonContent(PaiementsError, "A request with the same Idempotency-Key is still being processed"),
    413: jsonContent(PaiementsError, "The body is larger than the JSON body limit"),
    422: jsonContent(PaiementsError, "The Idempotency-Key was already used with a different body"),
    ...authErrors,
  },
});
