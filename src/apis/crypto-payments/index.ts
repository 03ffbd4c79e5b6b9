// Spec 004: crypto payments for merchants, OAuth 2.0 bearer tokens with scopes (`read`: list and read,
// `write`: create). Errors: {"error":{"code","message","details"?}}; 400 details list each bad field in
// Django REST framework wording, as the spec's example does.
import type { z } from "@hono/zod-openapi";
import { revokedClientError } from "../../auth/oauth";
import { oauthClientActive } from "../../auth/queries";
import { jsonObjectText, RenderedJson } from "../../db/rendered-json";
import { jsonText } from "../../http/json-text";
import { describeIssues } from "../../http/params";
import { database } from "../../http/request-db";
import { createSurface } from "../../http/surface";
import { requestFingerprint, runWrite, validateIdempotencyKey } from "../../ledger/idempotency";
import { AppError } from "../../lib/errors";
import { CURRENCIES, canonicalBlockchain, depositAddress, renderCryptoError } from "../../payments/crypto";
import { findPayment, insertPaymentEffect, listPayments } from "./queries";
import * as routes from "./routes";
import { CALLBACK_URL_PROBLEM, isLocalhostCallback, type PaymentDetail, type PaymentList } from "./schemas";

type PaymentDetailJson = z.infer<typeof PaymentDetail>;

export const cryptoPaymentsApi = createSurface(renderCryptoError);

cryptoPaymentsApi.openAPIRegistry.registerComponent("securitySchemes", "oauth2", {
  type: "oauth2",
  flows: {
    clientCredentials: {
      tokenUrl: "/oauth/token",
      scopes: { read: "List and read payments", write: "Create payments" },
    },
  },
});

/** One `details` entry per bad field, DRF style; unknown body fields are refused by name (query parameters are not). */
function validationHook(message: string) {
  return (result: { success: true } | { success: false; error: z.ZodError }): undefined => {
    if (result.success) return undefined;
    const { details } = describeIssues(result.error, (issue) => {
      if (issue.code === "unrecognized_keys") return issue.keys.map((key) => [key, "Unknown field."]);
      if (issue.path.length === 0) return [["non_field_errors", "Invalid data. Expected a JSON object."]];
      return [[String(issue.path[0]), issue.message]];
    });
    throw new AppError("bad_request", message, details);
  };
}

cryptoPaymentsApi.openapi(
  routes.listPayments,
  async (c) => {
    const query = c.req.valid("query");
    const result = await listPayments(
      database(c),
      c.get("oauth"),
      {
        status: query.status,
        currency: query.currency,
        blockchain: query.blockchain === undefined ? undefined : canonicalBlockchain(query.blockchain),
        token: query.token,
      },
      query.limit,
      query.offset,
    );
    if (!result.client_ok) throw revokedClientError();
    return jsonText<z.output<typeof PaymentList>>(
      c,
      jsonObjectText({
        // The spec: count = payments matching the query, total = all the merchant's payments.
        count: result.count,
        total: result.total,
        offset: query.offset,
        limit: query.limit,
        results: new RenderedJson(result.results),
      }),
    );
  },
  validationHook("Invalid filter parameters"),
);

cryptoPaymentsApi.openapi(
  routes.paymentStatus,
  async (c) => {
    const { transaction_id } = c.req.valid("json");
    const result = await findPayment(database(c), c.get("oauth"), transaction_id);
    if (!result.client_ok) throw revokedClientError();
    if (!result.payment) throw new AppError("not_found", "Payment not found.");
    return c.json(result.payment as z.infer<typeof PaymentDetail>, 200);
  },
  validationHook("Invalid request body"),
);

cryptoPaymentsApi.openapi(
  routes.createPayment,
  async (c) => {
    const principal = c.get("oauth");
    const input = c.req.valid("json");
    const key = validateIdempotencyKey(c.req.header("idempotency-key"));
    const info = CURRENCIES[input.currency];
    if (!info) throw new Error(`currency ${input.currency} passed validation but is not in the catalogue`);
    const callbackUrl = input.callback_url ?? null;
    if (callbackUrl && isLocalhostCallback(callbackUrl) && c.env.LOCAL_DEVELOPMENT !== "true") {
      throw new AppError("bad_request", "Invalid request body", { callback_url: [CALLBACK_URL_PROBLEM] });
    }
    const outcome = await runWrite<PaymentDetailJson, PaymentDetailJson>(
      database(c),
      {
        scope: `crypto:${principal.workspaceId}`,
        key,
        fingerprint: await requestFingerprint({
          route: "crypto-payment",
          amount_usd: input.amount_usd,
          currency: input.currency,
          order_id: input.order_id,
          callback_url: callbackUrl,
        }),
        // A stored answer carries payment data: the client must still be active to see it again.
        stillAuthorized: { check: oauthClientActive(principal.clientUuid), error: revokedClientError },
      },
      insertPaymentEffect(principal, {
        orderId: input.order_id,
        amountUsd: input.amount_usd,
        currency: input.currency,
        info,
        address: depositAddress(info.blockchain),
        callbackUrl,
      }),
      {
        status: 201,
        render: (payment) => payment,
        refused: (refusal) =>
          refusal.failure === "client_revoked"
            ? revokedClientError()
            : new AppError(
                "conflict",
                "This workspace has no USD account to credit: create one (not suspended) before accepting crypto payments.",
              ),
      },
    );
    if (outcome.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(outcome.body, 201);
  },
  validationHook("Invalid request body"),
);
