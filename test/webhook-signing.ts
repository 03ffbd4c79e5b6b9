// Signs webhook requests the way an upstream gateway does, with the reference `standardwebhooks`
// library itself (not with the code under test), so tests post real signed requests.
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { callRouteUnchecked, hasStatus } from "./route-call";
import { webhooks } from "./routes";

export type SignOptions = {
  /** Defaults to the worker's MOBILE_MONEY_WEBHOOK_SECRET. */
  secret?: string;
  /** webhook-id; a fresh one by default. */
  id?: string;
  /** Signing time; now by default. */
  timestamp?: Date;
};

let counter = 0;
export const newEventId = () => `msg_${Date.now().toString(36)}_${++counter}_${crypto.randomUUID().slice(0, 8)}`;

/** The three Standard Webhooks headers for `body`. */
export function signedHeaders(body: string, opts: SignOptions = {}): Record<string, string> {
  const id = opts.id ?? newEventId();
  const timestamp = opts.timestamp ?? new Date();
  const signature = new Webhook(opts.secret ?? env.MOBILE_MONEY_WEBHOOK_SECRET).sign(id, timestamp, body);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": signature,
  };
}

export const statusEvent = (reference: string, status: string) =>
  JSON.stringify({ type: "payment.status_changed", data: { reference, status } });

/** POSTs a signed event to the mobile-money receiver. */
export function postSigned(body: string, opts: SignOptions & { headers?: Record<string, string> } = {}) {
  return callRouteUnchecked(
    webhooks.receiveMobileMoneyEvent,
    { body },
    { ...signedHeaders(body, opts), ...opts.headers },
  );
}

/** Moves a payment to `status` with one signed event; throws unless the receiver applied it. */
export async function moveTo(reference: string, status: string, opts: SignOptions = {}) {
  const res = await postSigned(statusEvent(reference, status), opts);
  if (!hasStatus(res, 200) || res.json.status !== "processed") {
    throw new Error(`moving ${reference} to ${status}: ${res.status} ${res.text}`);
  }
  return res;
}
