// One account touched by every surface and by the SMS gateway, for the cross-surface suites
// (one-account, rate-limits): each movement goes through the real endpoint that makes it.
import { env, SELF } from "cloudflare:test";
import { API_KEY_PERMISSIONS } from "../src/auth/api-keys";
import { accessToken, createClient, statusEvent as cryptoStatus, processorEvent } from "./crypto-helpers";
import { adjust, admin, call, tenant } from "./helpers";
import { moveTo as moveMobileMoney, newEventId, signedHeaders } from "./webhook-signing";

/** Every permission an API key can carry. */
export const ALL_KEY_PERMISSIONS = [...API_KEY_PERMISSIONS];

/** Exact cents of a JSON amount of at most two decimals. */
export const cents = (amount: number) => Math.round(amount * 100);

export function expectOk<R extends { status: number; text: string }>(res: R, status = 200): R {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  return res;
}

/** POSTs a signed SMS gateway event. */
export function gatewayEvent(body: unknown, id = newEventId()) {
  const text = JSON.stringify(body);
  return call("POST", "/webhooks/sms-gateway", {
    headers: signedHeaders(text, { secret: env.SMS_GATEWAY_WEBHOOK_SECRET, id }),
    body: text,
  });
}

export async function workspaceMember(
  workspaceId: string,
  role: "owner" | "staff" = "owner",
  permissions: string[] = [],
) {
  const created = expectOk(
    await admin("POST", `/workspaces/${workspaceId}/members`, {
      email: `${role}-${crypto.randomUUID()}@example.com`,
      role,
      permissions,
    }),
    201,
  );
  const issued = expectOk(await admin("POST", `/members/${created.json.id}/tokens`, {}), 201);
  return { id: created.json.id as string, token: issued.json.token as string };
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
  const res = await SELF.fetch(`https://api.test/api/v1/workspace/${workspaceId}/sms/payments`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

/**
 * A USD account (spec 004 credits USD accounts) moved by all five surfaces and the gateway:
 * 100 + 20.50 - 0.35 + 0.35 + 12.40 + 30 - 15.75 + 50 + 5 - 5 + 10 = 207.15.
 */
export async function storyAccount() {
  const t = await tenant(ALL_KEY_PERMISSIONS, { currency: "USD" });
  const accountId = t.account.id as string;
  const workspaceId = t.workspace.id as string;

  // Portal admin adjustment.
  await adjust(accountId, "100.00", "Opening credit");

  // SMS gateway: a deposit, a usage charge and the reversal of that charge.
  expectOk(await gatewayEvent({ type: "deposit.received", data: { account_id: accountId, amount: "20.50" } }));
  const usageEvent = newEventId();
  expectOk(await gatewayEvent({ type: "usage.charged", data: { account_id: accountId, amount: "-0.35" } }, usageEvent));
  expectOk(await gatewayEvent({ type: "event.reversed", data: { event_id: usageEvent, reason: "test" } }));

  // Spec 001: a mobile-money payment the gateway completes.
  const mm = expectOk(
    await call("POST", "/api/paiements", {
      headers: { "x-api-key": t.key },
      body: { transaction_type: "PAYMENT", amount: "12.40", description: "story" },
    }),
    201,
  );
  await moveMobileMoney(mm.json.reference, "PENDING");
  await moveMobileMoney(mm.json.reference, "COMPLETE");

  // Spec 002: add-funds and record-usage.
  const base = `/v1/account/${accountId}/transactions`;
  expectOk(await call("POST", `${base}/add-funds`, { headers: { api_key: t.key }, body: { amount: 30 } }));
  expectOk(
    await call("POST", `${base}/record-usage`, {
      headers: { api_key: t.key },
      body: { details: "100 tokens", amount: 15.75, date: "2026-01-01 00.00:00" },
    }),
  );

  // Spec 003: two SMS payments by the owner, the second one deleted (a reversal).
  const owner = await workspaceMember(workspaceId);
  expectOk(await recordSmsPayment(workspaceId, owner.token, { amount: "50", paymentMethod: "bank-transfer" }), 201);
  const second = expectOk(
    await recordSmsPayment(workspaceId, owner.token, { amount: "5", paymentMethod: "cash" }),
    201,
  );
  expectOk(
    await call("DELETE", `/api/v1/workspace/${workspaceId}/sms/payments/${second.json.id}`, {
      headers: { authorization: `Bearer ${owner.token}` },
    }),
    204,
  );

  // Spec 004: a crypto payment the processor completes.
  const client = await createClient(workspaceId);
  const oauthToken = await accessToken(client);
  const crypto004 = expectOk(
    await call("POST", "/payments/", {
      headers: { authorization: `Bearer ${oauthToken}` },
      body: { amount_usd: "10.00", currency: "USDTTRC20", order_id: "STORY-1" },
    }),
    201,
  );
  expectOk(await processorEvent(cryptoStatus(crypto004.json.transaction_id, "completed")));

  return { ...t, accountId, workspaceId, owner, client, oauthToken, expectedBalanceCents: 20715 };
}
