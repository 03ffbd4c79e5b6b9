import { createRoute, z } from "@hono/zod-openapi";
import { requireApiKey } from "../../auth/api-key-middleware";
import { rateLimited } from "../../http/openapi";
import { perApiKey } from "../../http/rate-limit";
import { Balance, Payment, PaymentsQuery, SetupAnswer, UserApiError } from "./schemas";

const gatewayHeader = {
  "X-Sms-Gateway-Status": { schema: { type: "string" as const, enum: ["ok", "partial", "unavailable"] } },
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
  headers: gatewayHeader,
});
const limited = rateLimited(UserApiError, "API key");
const errors = {
  429: { ...limited, headers: { ...limited.headers, ...gatewayHeader } },
  400: json(UserApiError, "Bad parameter"),
  401: json(UserApiError, "Missing, unknown or revoked API key"),
  403: json(UserApiError, "The key lacks the permission, or is not bound to an account"),
  503: json(UserApiError, "The ledger database is unreachable"),
};

export const listPayments = createRoute({
  method: "get",
  path: "/payments",
  operationId: "listUserPayments",
  summary: "List the account's payments",
  tags: ["User payments (spec 000)"],
  security: [{ apiKeyHeader: [] }],
  middleware: [requireApiKey("payments.read", { header: "x-api-key" }), perApiKey("read")] as const,
  description:
    "Transaction history of the key's account, newest first: with the gateway `ok`, every ledger entry of " +
    "the account, whichever API or gateway posted it, so the pages add up to `/balance`. Each entry is shown " +
    "in the spec's two sources and three types: source `portal` = every manual entry (portal adjustments, " +
    "spec 003 SMS payments, their reversals), `sms_gateway` = every other movement (SMS gateway, spec 001 " +
    "mobile money, spec 002 add-funds and record-usage, spec 004 crypto); type `usage` = usage charges " +
    "(negative), `adjustment` = manual entries and every reversal, `deposit` = every other incoming payment. " +
    "`type`, `from` and `to` filter on these mapped values. Gateway `partial`: portal rows only; " +
    '`unavailable`: `[]`. Next page: the `Link: <…>; rel="next"` header. Unknown query parameters are ignored.',
  request: { query: PaymentsQuery },
  responses: {
    200: json(z.union([z.array(Payment), SetupAnswer]), "The payments, or the setup answer"),
    ...errors,
  },
});

export const getBalance = createRoute({
  method: "get",
  path: "/balance",
  operationId: "getUserBalance",
  summary: "Get the account's balance",
  tags: ["User payments (spec 000)"],
  security: [{ apiKeyHeader: [] }],
  middleware: [requireApiKey("balance.read", { header: "x-api-key" }), perApiKey("read")] as const,
  description:
    "The account's ledger balance. `partial`: still the full ledger balance (the ledger is the truth; " +
    "only the history view narrows). `unavailable`: answered from the edge with `balance: null`.",
  responses: { 200: json(z.union([Balance, SetupAnswer]), "The balance, or the setup answer"), ...errors },
});
