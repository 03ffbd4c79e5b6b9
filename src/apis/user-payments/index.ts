// Spec 000: GET /api/v1/user/payments and /balance. Setup and "gateway unavailable" answers are
// decided from KV alone (key metadata, account state, gateway state): no database round trip.
import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ApiKeyEnv } from "../../auth/api-key-middleware";
import { gatewayStatusMaxAge } from "../../edge/gateway-config";
import { type GatewayStatus, readEffectiveGatewayState } from "../../edge/kv-state";
import type { AppEnv } from "../../env";
import { jsonText } from "../../http/json-text";
import { database, edgeSources } from "../../http/request-db";
import { createSurface } from "../../http/surface";
import { accountEdgeState } from "../../ledger/accounts";
import { balanceOf } from "../../ledger/queries";
import { AppError, type ErrorKind } from "../../lib/errors";
import { toJsonNumber } from "../../lib/money";
import { decodeCursor, encodeCursor } from "./cursor";
import { historyPage } from "./queries";
import * as routes from "./routes";
import type { Payment } from "./schemas";

const ERROR_CODES: Record<ErrorKind, string> = {
  bad_request: "INVALID_PARAMETER",
  unauthorized: "INVALID_API_KEY",
  forbidden: "PERMISSION_DENIED",
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  payload_too_large: "PAYLOAD_TOO_LARGE",
  unprocessable: "UNPROCESSABLE",
  rate_limited: "RATE_LIMITED",
  internal: "INTERNAL_ERROR",
  unavailable: "SERVICE_UNAVAILABLE",
};

/** What this surface's own middleware sets: the gateway state, read once per request. */
type GatewayEnv = AppEnv & { Variables: AppEnv["Variables"] & { gateway: Promise<GatewayStatus> } };

export const userPaymentsApi = createSurface<GatewayEnv>((err, requestId) => ({
  error_code: ERROR_CODES[err.kind],
  description: err.message,
  ...(err.status >= 500 ? { request_id: requestId } : {}),
}));

// Every answer, errors included, tells the gateway state. Its KV read runs alongside the key's.
userPaymentsApi.use("*", async (c, next) => {
  const gateway = readEffectiveGatewayState(c.env.EDGE_KV, gatewayStatusMaxAge(c.env)).then(
    (g) => g.effective_status,
    // KV unreadable: the state is unknown, which answers as partial (see readEffectiveGatewayState).
    (): GatewayStatus => "partial",
  );
  c.set("gateway", gateway);
  try {
    await next();
  } finally {
    c.res.headers.set("X-Sms-Gateway-Status", await gateway);
  }
});

/** The key's account, and the setup answer when the account is still being set up. */
async function boundAccount(c: Context<ApiKeyEnv & GatewayEnv>) {
  const { account_id: accountId } = c.get("apiKey");
  if (!accountId) throw new AppError("forbidden", "API key is not bound to an account");
  const state = await accountEdgeState(edgeSources(c), accountId);
  if (!state) throw new AppError("unauthorized", "Invalid API key");
  const setup =
    state.status === "setup"
      ? ({ status: false, error: "Account is in setup process", account_id: accountId } as const)
      : null;
  return { accountId, state, setup };
}

userPaymentsApi.openapi(routes.listPayments, async (c) => {
  const { accountId, setup } = await boundAccount(c);
  if (setup) return c.json(setup, 200);
  const gateway = await c.get("gateway");
  if (gateway === "unavailable") return c.json([], 200);
  const query = c.req.valid("query");
  const before = query.cursor ? decodeCursor(query.cursor) : undefined;
  if (query.cursor && !before) throw new AppError("bad_request", "cursor is invalid");
  const page = await historyPage(
    database(c),
    c.get("apiKey").id,
    {
      accountId,
      // Gateway partial: the gateway-fed rows may be stale, the manual (portal) ones come from our ledger.
      view: gateway === "partial" ? "portal" : "all",
      type: query.type,
      from: query.from,
      to: query.to,
      before,
    },
    query.limit,
  );
  if (!page.key_ok) throw new AppError("unauthorized", "Invalid API key");
  if (page.next_position !== null && page.next_id !== null) {
    const next = new URL(c.req.url);
    next.searchParams.set("cursor", encodeCursor({ position: page.next_position, id: page.next_id }));
    next.searchParams.set("limit", String(query.limit));
    c.header("Link", `<${next.toString()}>; rel="next"`);
  }
  return jsonText<z.output<typeof Payment>[]>(c, page.body);
});

userPaymentsApi.openapi(routes.getBalance, async (c) => {
  const { accountId, state, setup } = await boundAccount(c);
  if (setup) return c.json(setup, 200);
  const gateway = await c.get("gateway");
  if (gateway === "unavailable") {
    return c.json({ account_id: accountId, balance: null, currency: state.currency, gateway_status: gateway }, 200);
  }
  const row = await balanceOf(database(c), c.get("apiKey").id, accountId);
  if (!row.key_ok || row.balance === null) throw new AppError("unauthorized", "Invalid API key");
  return c.json(
    { account_id: accountId, balance: toJsonNumber(row.balance), currency: state.currency, gateway_status: gateway },
    200,
  );
});
