import { createRoute } from "@hono/zod-openapi";
import { requireOAuth } from "../../auth/oauth";
import { IdempotencyHeader, jsonContent, rateLimited } from "../../http/openapi";
import { perOAuthClient } from "../../http/rate-limit";
import { CreatePayment, CryptoError, ListQuery, PaymentDetail, PaymentList, StatusRequest } from "./schemas";

const errors = {
  429: rateLimited(CryptoError, "OAuth client (code `throttled`)"),
  401: jsonContent(
    CryptoError,
    "Missing, invalid or expired access token, or a revoked client (code `not_authenticated`)",
  ),
  403: jsonContent(CryptoError, "The token lacks the scope (code `permission_denied`)"),
  500: jsonContent(CryptoError, "Unexpected failure (code `internal_error`, with a request id)"),
  503: jsonContent(CryptoError, "The database is unreachable (code `service_unavailable`)"),
};
const tooLarge = jsonContent(CryptoError, "The body is larger than the JSON body limit (code `payload_too_large`)");
const tags = ["Crypto payments (spec 004)"];

export const listPayments = createRoute({
  method: "get",
  path: "/payments/",
  operationId: "listCryptoPayments",
  summary: "List crypto payments",
  tags,
  security: [{ oauth2: ["read"] }],
  middleware: [requireOAuth("read"), perOAuthClient("read")] as const,
  description:
    "The workspace's payments, newest first, `limit`/`offset` paginated. `count` is the number of payments " +
    "matching the filters (before pagination), `total` the number of all of the merchant's payments, whatever " +
    "the filters. `currency` and `token` match case-insensitively; `blockchain` also accepts network names " +
    "(TRON = TRX, ETHEREUM = ETH, BNB = BSC). Unknown query parameters are ignored.",
  request: { query: ListQuery },
  responses: {
    200: jsonContent(PaymentList, "A page of payments"),
    400: jsonContent(CryptoError, "Invalid filter parameters: one `details` entry per bad parameter"),
    ...errors,
  },
});

export const paymentStatus = createRoute({
  method: "post",
  path: "/payments/status/",
  operationId: "getCryptoPaymentStatus",
  summary: "Get one crypto payment in full",
  tags,
  security: [{ oauth2: ["read"] }],
  middleware: [requireOAuth("read"), perOAuthClient("read")] as const,
  description: "One payment in full: the list fields plus transaction_hash, callback_url, confirmations and history.",
  request: { body: { content: { "application/json": { schema: StatusRequest } }, required: true } },
  responses: {
    200: jsonContent(PaymentDetail, "The payment"),
    400: jsonContent(CryptoError, "Invalid body"),
    404: jsonContent(CryptoError, "No such payment in this workspace"),
    413: tooLarge,
    ...errors,
  },
});

export const createPayment = createRoute({
  method: "post",
  path: "/payments/",
  operationId: "createCryptoPayment",
  summary: "Create a crypto payment",
  tags,
  security: [{ oauth2: ["write"] }],
  middleware: [requireOAuth("write"), perOAuthClient("money")] as const,
  description:
    "Creates a payment in status `waiting` with a deposit address. `amount_crypto` uses a fixed local rate " +
    "(stablecoins 1.0005 per USD); a real deployment takes the processor's quote. When the payment completes, " +
    "`amount_usd` is credited to the workspace's oldest USD account that is not suspended (none: 409). " +
    "`callback_url` (https to a public host name, never an IP address) receives a signed Standard Webhooks event on every status " +
    "change. `Idempotency-Key`: a retry with the same key and body replays the first answer.",
  request: {
    headers: IdempotencyHeader,
    body: { content: { "application/json": { schema: CreatePayment } }, required: true },
  },
  responses: {
    201: jsonContent(PaymentDetail, "Created"),
    400: jsonContent(CryptoError, "Invalid body"),
    409: jsonContent(CryptoError, "No USD account to credit, or the same Idempotency-Key is in flight"),
    413: tooLarge,
    422: jsonContent(CryptoError, "Idempotency-Key reused with a different body"),
    ...errors,
  },
});
