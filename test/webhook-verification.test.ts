// One signature verification per webhook request (issue 23): the upstream's budget and the receiver share
// the one verification of the raw body. Counted on the reference library's own verify, which the worker
// runs in this same isolate: the spy only counts, the HMAC check it wraps is the real one.
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { callRouteUnchecked, expectStatus, ledgerInvariant, query, routes, sql, tenant } from "./helpers";
import { newEventId, signedHeaders } from "./webhook-signing";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A valid whsec_ secret that is none of the worker's. */
const OTHER_SECRET = "whsec_b3RoZXItc2VjcmV0LW5vdC10aGUtd29ya2Vycy1vbmU=";

const UNSUPPORTED = JSON.stringify({ type: "no.such.event", data: {} });

/**
 * The three receivers, each with its secret (one each in the test vars: no rotation under way) and its
 * own words for an event it does not take and for a wrong signature.
 */
const RECEIVERS = [
  {
    path: "/webhooks/sms-gateway",
    route: routes.webhooks.receiveSmsGatewayEvent,
    upstream: "sms_gateway",
    secret: () => env.SMS_GATEWAY_WEBHOOK_SECRET,
    unsupported: {
      code: "bad_request",
      message:
        "type: Invalid discriminator value. Expected 'deposit.received' | 'usage.charged' | 'event.reversed' | 'gateway.status'",
    },
    forged: { code: "unauthorized", message: "Invalid webhook signature: No matching signature found" },
  },
  {
    path: "/webhooks/mobile-money",
    route: routes.webhooks.receiveMobileMoneyEvent,
    upstream: "mobile_money",
    secret: () => env.MOBILE_MONEY_WEBHOOK_SECRET,
    unsupported: { code: "unsupported_event_type", message: "Unsupported event type: no.such.event" },
    forged: { code: "invalid_signature", message: "Invalid webhook signature: No matching signature found" },
  },
  {
    path: "/webhooks/crypto",
    route: routes.webhooks.receiveCryptoEvent,
    upstream: "crypto",
    secret: () => env.CRYPTO_WEBHOOK_SECRET,
    unsupported: { code: "invalid_request", message: "Invalid event: type, data.transaction_id, data.status" },
    forged: { code: "not_authenticated", message: "Invalid webhook signature: No matching signature found" },
  },
] as const;

const refusals = (upstream: string, eventId: string) =>
  query<{ status: number }>(
    sql`SELECT status FROM webhook_refusals WHERE upstream = ${upstream} AND event_id = ${eventId}`,
  );

describe("webhook receivers verify each request's signature once", () => {
  for (const receiver of RECEIVERS) {
    it(`${receiver.path}: a signed event it refuses is verified exactly once`, async () => {
      const verify = vi.spyOn(Webhook.prototype, "verify");
      const id = newEventId();
      const res = await callRouteUnchecked(
        receiver.route,
        { body: UNSUPPORTED },
        signedHeaders(UNSUPPORTED, { id, secret: receiver.secret() }),
      );
      // Refused for what it says, and recorded: the whole path after the check ran.
      expect([res.status, res.json]).toEqual([400, { error: receiver.unsupported }]);
      expect(await refusals(receiver.upstream, id)).toEqual([{ status: 400 }]);
      expect(verify).toHaveBeenCalledTimes(1);
    });

    it(`${receiver.path}: a wrongly signed event is verified once and refused`, async () => {
      const verify = vi.spyOn(Webhook.prototype, "verify");
      const res = await callRouteUnchecked(
        receiver.route,
        { body: UNSUPPORTED },
        signedHeaders(UNSUPPORTED, { secret: OTHER_SECRET }),
      );
      expect([res.status, res.json]).toEqual([401, { error: receiver.forged }]);
      expect(verify).toHaveBeenCalledTimes(1);
    });
  }

  it("/webhooks/sms-gateway: an event that posts money is verified exactly once", async () => {
    const t = await tenant(["balance.read"]);
    const body = JSON.stringify({
      type: "deposit.received",
      data: { account_id: t.account.id, amount: "12.50", description: "Gateway deposit" },
    });
    const verify = vi.spyOn(Webhook.prototype, "verify");
    const res = await callRouteUnchecked(
      routes.webhooks.receiveSmsGatewayEvent,
      { body },
      signedHeaders(body, { secret: env.SMS_GATEWAY_WEBHOOK_SECRET }),
    );
    expect(expectStatus(res, 200).status).toBe("processed");
    expect(verify).toHaveBeenCalledTimes(1);
    expect(await ledgerInvariant(t.account.id)).toEqual({
      balance: "12.5000",
      sum: "12.5000",
      count: 1,
      lastBalanceAfter: "12.5000",
    });
  });
});
