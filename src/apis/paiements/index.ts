// Spec 001: mobile-money payments by API key. GET /api/paiements/api-key lists what the presented key
// created; POST /api/paiements creates one (beyond the spec). Errors: {statusCode, message, error}.
import type { z } from "@hono/zod-openapi";
import { apiKeyActive } from "../../auth/queries";
import { fillJsonHoles, jsonObjectText, RenderedJson } from "../../db/rendered-json";
import { jsonText } from "../../http/json-text";
import { describeIssues } from "../../http/params";
import { database, edgeSources } from "../../http/request-db";
import { createSurface } from "../../http/surface";
import { accountEdgeState } from "../../ledger/accounts";
import { requestFingerprint, runWrite, validateIdempotencyKey, type WriteOutcome } from "../../ledger/idempotency";
import { type Refusal, refusalError } from "../../ledger/posting";
import { AppError } from "../../lib/errors";
import { isPositive } from "../../lib/money";
import { newReference } from "../../payments/mobile-money";
import { insertPaymentEffect, listPayments } from "./queries";
import * as routes from "./routes";
import { INVALID_KEY } from "./routes";
import type { PaymentsPage } from "./schemas";
import { toPayment } from "./serializers";

const REASON_PHRASES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

const render = (err: AppError) => ({
  statusCode: err.status,
  message: err.message,
  error: REASON_PHRASES[err.status] ?? "Error",
});

export const paiementsApi = createSurface(render);

/** The drawn payment reference exists already: the write rolled back and draws again. */
class ReferenceTaken extends Error {}

/**
 * Validation failures as one message naming each field (the messages already name it when they can),
 * each problem once, in order: every problem is filed under one key, the whole message.
 */
const validationHook = (result: { success: boolean; error?: z.ZodError }): undefined => {
  if (result.success || !result.error) return;
  const { details } = describeIssues(result.error, (issue) => {
    const field = issue.path.map(String).join(".");
    // Only JSON bodies refuse unknown fields; unknown query parameters are ignored.
    if (issue.code === "unrecognized_keys") {
      return [["", `Unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}`]];
    }
    return [["", !field || issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`]];
  });
  throw new AppError("bad_request", (details[""] ?? []).join("; "));
};

paiementsApi.openapi(
  routes.listByApiKey,
  async (c) => {
    const key = c.get("apiKey");
    const q = c.req.valid("query");
    const page = await listPayments(
      database(c),
      {
        apiKeyId: key.id,
        workspaceId: key.workspace_id,
        transactionType: q.transaction_type,
        status: q.status,
        dateFrom: q.dateFrom,
        dateTo: q.dateTo,
      },
      q.page * q.size,
      q.size,
    );
    if (!page) throw new AppError("unauthorized", INVALID_KEY);
    const data = fillJsonHoles(
      page.data,
      page.extras.map((extra) => JSON.stringify(extra)),
    );
    return jsonText<z.output<typeof PaymentsPage>>(
      c,
      jsonObjectText({
        data: new RenderedJson(data),
        total: page.total,
        page: q.page,
        size: q.size,
        totalPages: Math.ceil(page.total / q.size),
      }),
    );
  },
  validationHook,
);

paiementsApi.openapi(
  routes.createPayment,
  async (c) => {
    const key = c.get("apiKey");
    if (!key.account_id) throw new AppError("forbidden", "API key is not bound to an account");
    const input = c.req.valid("json");
    const idempotencyKey = validateIdempotencyKey(c.req.header("idempotency-key"));

    if (!isPositive(input.amount.value)) {
      throw new AppError("bad_request", "amount must be greater than 0");
    }
    const account = await accountEdgeState(edgeSources(c), key.account_id);
    if (!account) throw new AppError("unauthorized", INVALID_KEY);
    if (account.status === "suspended") throw new AppError("forbidden", "Account is suspended");

    const request = {
      transactionType: input.transaction_type,
      amount: input.amount.value,
      description: input.description ?? null,
      phone: input.phone ?? null,
      serviceMobileCode: input.service_mobile_code ?? null,
      extraData: input.extra_data ?? null,
    };
    const payment = { ...request, apiKeyId: key.id, accountId: key.account_id };
    const guard = {
      scope: `mm:${key.id}`,
      key: idempotencyKey,
      fingerprint: await requestFingerprint(request),
      stillAuthorized: { check: apiKeyActive(key.id), error: () => new AppError("unauthorized", INVALID_KEY) },
    };
    const answer = {
      status: 201,
      render: toPayment,
      refused: (refusal: Refusal) =>
        refusal.failure === "reference_taken"
          ? new ReferenceTaken()
          : refusal.failure === "currency_precision"
            ? new AppError("bad_request", refusalError(refusal).message)
            : new AppError("unauthorized", INVALID_KEY),
    };
    // A taken reference rolled everything back: draw another (the idempotency claim is gone with it).
    let outcome: WriteOutcome<ReturnType<typeof toPayment>> | undefined;
    for (let attempt = 0; !outcome; attempt++) {
      outcome = await runWrite(
        database(c),
        guard,
        insertPaymentEffect(payment, newReference(request.transactionType)),
        answer,
      ).catch((err) => {
        if (err instanceof ReferenceTaken && attempt < 2) return undefined;
        throw err;
      });
    }
    if (outcome.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(outcome.body, 201);
  },
  validationHook,
);
