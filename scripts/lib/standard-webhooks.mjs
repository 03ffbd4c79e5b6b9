// Signs webhooks the way an upstream gateway does, per Standard Webhooks: `v1,<base64 HMAC-SHA256>` over
// `webhook-id.webhook-timestamp.body`, keyed with the base64 bytes of a `whsec_` secret. node:crypto,
// not the worker's code, so the bench and the fault suite post what a real sender would (and can sign
// tens of thousands of events in well under a second).
import { createHmac } from "node:crypto";

/** The first secret of a (possibly space-separated, rotating) `whsec_…` list, as key bytes. */
function keyOf(secret) {
  const first = String(secret).split(/\s+/).find(Boolean);
  if (!first) throw new Error("no webhook secret to sign with");
  return Buffer.from(first.replace(/^whsec_/, ""), "base64");
}

/** A signer for `secret`: (id, unixSeconds, body) → the webhook-signature header value. */
export function webhookSigner(secret) {
  const key = keyOf(secret);
  return (id, unixSeconds, body) =>
    `v1,${createHmac("sha256", key).update(`${id}.${unixSeconds}.${body}`).digest("base64")}`;
}

/** The three Standard Webhooks headers for `body`, signed now (or at `at`). */
export function signedHeaders(secret, id, body, at = new Date()) {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": webhookSigner(secret)(id, timestamp, body),
  };
}
