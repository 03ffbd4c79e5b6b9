// Helpers for the spec 004 suites: OAuth clients and tokens through the real endpoints, crypto payments,
// and processor events signed with the reference `standardwebhooks` library (not the code under test).
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import {
  adminCall,
  callRouteUnchecked,
  createAccount,
  createWorkspace,
  expectStatus,
  hasStatus,
  type RouteInput,
  routes,
} from "./helpers";

/** A scope an OAuth client can hold. */
export type OAuthScope = NonNullable<
  RouteInput<typeof routes.oauthClients.createOAuthClient>["json"]
>["scopes"][number];

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
export const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;

/** POST /oauth/token with a form body sent as given; the answer typed by the route. */
export function tokenRequest(body: string, headers: Record<string, string> = {}) {
  return callRouteUnchecked(
    routes.oauth.token,
    { body },
    { "content-type": "application/x-www-form-urlencoded", ...headers },
  );
}

export async function createClient(
  workspaceId: string,
  scopes: OAuthScope[] = ["read", "write"],
  name = "Shop backend",
) {
  const params = { workspace_id: workspaceId };
  return expectStatus(await adminCall(routes.oauthClients.createOAuthClient, { params, json: { name, scopes } }), 201);
}

export async function accessToken(client: { client_id: string; client_secret: string }, scope?: string) {
  const res = await tokenRequest(form({ grant_type: "client_credentials", ...(scope ? { scope } : {}) }), {
    authorization: basic(client.client_id, client.client_secret),
  });
  return expectStatus(res, 200).access_token;
}

/** A merchant workspace with a USD account and an OAuth client holding `scopes`, and a token with them. */
export async function merchant(scopes: OAuthScope[] = ["read", "write"]) {
  const workspace = await createWorkspace("Merchant");
  const account = await createAccount(workspace.id, { currency: "USD" });
  const client = await createClient(workspace.id, scopes);
  const token = await accessToken(client);
  return { workspace, account, client, token };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The spec 004 requests, sent as given (tests send bad bodies and queries); answers typed by their route. */
export function createPayment(token: string, body: unknown, headers: Record<string, string> = {}) {
  return callRouteUnchecked(routes.cryptoPayments.createPayment, { body }, { ...bearer(token), ...headers });
}

export async function createPaymentOk(token: string, body: Record<string, unknown> = {}) {
  const res = await createPayment(token, { amount_usd: "100.00", currency: "USDTTRC20", order_id: "ORDER-1", ...body });
  return expectStatus(res, 201);
}

export const listPayments = (token: string | undefined, qs = "") =>
  callRouteUnchecked(routes.cryptoPayments.listPayments, { query: qs }, token ? bearer(token) : {});

export const paymentStatus = (token: string | undefined, body: unknown) =>
  callRouteUnchecked(routes.cryptoPayments.paymentStatus, { body }, token ? bearer(token) : {});

let counter = 0;
export const newEventId = () => `evt_${Date.now().toString(36)}_${++counter}_${crypto.randomUUID().slice(0, 8)}`;

export type SignOptions = { secret?: string; id?: string; timestamp?: Date };

export function signed(body: string, opts: SignOptions = {}) {
  const id = opts.id ?? newEventId();
  const timestamp = opts.timestamp ?? new Date();
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": new Webhook(opts.secret ?? env.CRYPTO_WEBHOOK_SECRET).sign(id, timestamp, body),
  };
}

export const statusEvent = (transactionId: string, status: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "payment.status", data: { transaction_id: transactionId, status, ...extra } });

/** POSTs a signed processor event. */
export function processorEvent(body: string, opts: SignOptions & { headers?: Record<string, string> } = {}) {
  return callRouteUnchecked(routes.webhooks.receiveCryptoEvent, { body }, { ...signed(body, opts), ...opts.headers });
}

/** Moves a payment to `status` with one signed event; throws unless the receiver applied it. */
export async function moveTo(transactionId: string, status: string, extra: Record<string, unknown> = {}) {
  const res = await processorEvent(statusEvent(transactionId, status, extra));
  if (!hasStatus(res, 200) || res.json.status !== "processed") {
    throw new Error(`moving ${transactionId} to ${status}: ${res.status} ${res.text}`);
  }
  return res;
}
