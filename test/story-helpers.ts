// One account touched by every surface and by the SMS gateway, for the cross-surface suites
// (one-account, rate-limits): each movement goes through the real endpoint that makes it.
import { env } from "cloudflare:test";
import { API_KEY_PERMISSIONS } from "../src/auth/api-keys";
import type { MemberPermission } from "../src/auth/workspace-tokens";
import { accessToken, createClient, statusEvent as cryptoStatus, processorEvent } from "./crypto-helpers";
import { adjust, adminCall, callRoute, callRouteUnchecked, expectStatus, routes, tenant } from "./helpers";
import { moveTo as moveMobileMoney, newEventId, signedHeaders } from "./webhook-signing";

/** Every permission an API key can carry. */
export const ALL_KEY_PERMISSIONS = [...API_KEY_PERMISSIONS];

/** Exact cents of a JSON amount of at most two decimals. */
export const cents = (amount: number) => Math.round(amount * 100);

/** The answer with `status` (a route's answer narrowed to it), or a failure with the status and body it got. */
export function expectOk<R extends { status: number; text: string }, S extends number>(
  res: R,
  status: S,
): Extract<R, { status: S }> {
  if (!isAt(res, status)) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  return res;
}
/** Whether a status-discriminated answer is its member with `status`. */
const isAt = <R extends { status: number }, S extends number>(res: R, status: S): res is Extract<R, { status: S }> =>
  res.status === status;

/** POSTs a signed SMS gateway event. */
export function gatewayEvent(body: unknown, id = newEventId()) {
  const text = JSON.stringify(body);
  return callRouteUnchecked(
    routes.webhooks.receiveSmsGatewayEvent,
    { body: text },
    signedHeaders(text, { secret: env.SMS_GATEWAY_WEBHOOK_SECRET, id }),
  );
}

export async function workspaceMember(
  workspaceId: string,
  role: "owner" | "staff" = "owner",
  permissions: MemberPermission[] = [],
) {
  const email = `${role}-${crypto.randomUUID()}@example.com`;
  const created = expectStatus(
    await adminCall(routes.members.createMember, {
      params: { workspace_id: workspaceId },
      json: { email, role, permissions },
    }),
    201,
  );
  const issued = expectStatus(
    await adminCall(routes.members.createMemberToken, { params: { member_id: created.id }, json: {} }),
    201,
  );
  return { id: created.id, token: issued.token };
}

/** Records a spec 003 SMS payment (multipart), optionally with a receipt file. */
export async function recordSmsPayment(
  workspaceId: string,
  token: string,
  fields: { amount: string; paymentMethod: string },
  receipt?: { filename: string; type: string; bytes: Uint8Array },
) {
  const form = new FormData();
  form.set("amount", fields.amount);
  form.set("paymentMethod", fields.paymentMethod);
  if (receipt) form.set("receipt", new File([receipt.bytes], receipt.filename, { type: receipt.type }));
  return callRouteUnchecked(
    routes.smsPayments.createPayment,
    { params: { workspaceId }, body: form },
    { authorization: `Bearer ${token}` },
  );
}

/**
 * A USD account (spec 004 credits USD accounts) moved by all five surfaces and the gateway:
 * 100 + 20.50 - 0.35 + 0.35 + 12.40 + 30 - 15.75 + 50 + 5 - 5 + 10 = 207.15.
 */
export async function storyAccount() {
  const t = await tenant(ALL_KEY_PERMISSIONS, { currency: "USD" });
  const accountId = t.account.id;
  const workspaceId = t.workspace.id;

  // Portal admin adjustment.
  await adjust(accountId, "100.00", "Opening credit");

  // SMS gateway: a deposit, a usage charge and the reversal of that charge.
  expectOk(await gatewayEvent({ type: "deposit.received", data: { account_id: accountId, amount: "20.50" } }), 200);
  const usageEvent = newEventId();
  expectOk(
    await gatewayEvent({ type: "usage.charged", data: { account_id: accountId, amount: "-0.35" } }, usageEvent),
    200,
  );
  expectOk(await gatewayEvent({ type: "event.reversed", data: { event_id: usageEvent, reason: "test" } }), 200);

  // Spec 001: a mobile-money payment the gateway completes.
  const mm = expectStatus(
    await callRoute(
      routes.paiements.createPayment,
      { json: { transaction_type: "PAYMENT", amount: "12.40", description: "story" } },
      { "x-api-key": t.key },
    ),
    201,
  );
  await moveMobileMoney(mm.reference, "PENDING");
  await moveMobileMoney(mm.reference, "COMPLETE");

  // Spec 002: add-funds and record-usage.
  const key = { api_key: t.key };
  expectStatus(
    await callRoute(routes.accountTransactions.addFunds, { params: { accountId }, json: { amount: 30 } }, key),
    200,
  );
  expectStatus(
    await callRoute(
      routes.accountTransactions.recordUsage,
      { params: { accountId }, json: { details: "100 tokens", amount: 15.75, date: "2026-01-01 00.00:00" } },
      key,
    ),
    200,
  );

  // Spec 003: two SMS payments by the owner, the second one deleted (a reversal).
  const owner = await workspaceMember(workspaceId);
  expectOk(await recordSmsPayment(workspaceId, owner.token, { amount: "50", paymentMethod: "bank-transfer" }), 201);
  const second = expectOk(
    await recordSmsPayment(workspaceId, owner.token, { amount: "5", paymentMethod: "cash" }),
    201,
  );
  expectStatus(
    await callRoute(
      routes.smsPayments.deletePayment,
      { params: { workspaceId, id: second.json.id } },
      { authorization: `Bearer ${owner.token}` },
    ),
    204,
  );

  // Spec 004: a crypto payment the processor completes.
  const client = await createClient(workspaceId);
  const oauthToken = await accessToken(client);
  const crypto004 = expectStatus(
    await callRoute(
      routes.cryptoPayments.createPayment,
      { json: { amount_usd: "10.00", currency: "USDTTRC20", order_id: "STORY-1" } },
      { authorization: `Bearer ${oauthToken}` },
    ),
    201,
  );
  expectOk(await processorEvent(cryptoStatus(crypto004.transaction_id, "completed")), 200);

  return { ...t, accountId, workspaceId, owner, client, oauthToken, expectedBalanceCents: 20715 };
}
