// Handler of the upstream health.
import type { AdminEnv } from "../../../auth/admin";
import type { Bindings } from "../../../env";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import type { Upstream } from "../../../ledger/posting";
import { adminErrorRenderer } from "../errors";
import { clearingOverview, upstreamHealth } from "./queries";
import * as routes from "./routes";

export const upstreamsAdmin = createSurface<AdminEnv>(adminErrorRenderer);

export const DEFAULT_WINDOW_DAYS = 3;

/** The upstream's settlement window in days: its SETTLEMENT_WINDOW_DAYS_<UPSTREAM> var, default 3. */
export function settlementWindowDays(env: Bindings, upstream: Upstream): number {
  const vars = {
    sms_gateway: env.SETTLEMENT_WINDOW_DAYS_SMS_GATEWAY,
    mobile_money: env.SETTLEMENT_WINDOW_DAYS_MOBILE_MONEY,
    crypto: env.SETTLEMENT_WINDOW_DAYS_CRYPTO,
  };
  const days = Number(vars[upstream]?.trim() || DEFAULT_WINDOW_DAYS);
  return Number.isInteger(days) && days >= 0 && days <= 365 ? days : DEFAULT_WINDOW_DAYS;
}

upstreamsAdmin.openapi(routes.getUpstreamHealth, async (c) => {
  const { upstream } = c.req.valid("param");
  const { currency } = c.req.valid("query");
  const windowDays = settlementWindowDays(c.env, upstream);
  const health = await upstreamHealth(database(c), { upstream, currency, windowDays });
  return c.json({ upstream, currency, window_days: windowDays, ...health }, 200);
});

upstreamsAdmin.openapi(routes.listUpstreamClearing, async (c) => {
  const windows = {
    sms_gateway: settlementWindowDays(c.env, "sms_gateway"),
    mobile_money: settlementWindowDays(c.env, "mobile_money"),
    crypto: settlementWindowDays(c.env, "crypto"),
  };
  return c.json({ upstreams: await clearingOverview(database(c), windows) }, 200);
});
