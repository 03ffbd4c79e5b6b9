// Inbound webhook verification per the Standard Webhooks spec (https://www.standardwebhooks.com):
// headers webhook-id / webhook-timestamp / webhook-signature, HMAC-SHA256 over `id.timestamp.body`
// with a `whsec_<base64>` secret, 5-minute tolerance either side of now. The cryptography is the
// reference `standardwebhooks` package (pure JS: fast-sha256 + @stablelib/base64, so it runs in workerd
// unchanged); this wrapper only turns its outcomes into AppErrors and adds secret rotation.
//
// Rotation, both sides: the sender may put several space-separated `v1,<sig>` signatures in
// webhook-signature (the library accepts any one that matches), and our secret binding may hold several
// space-separated whsec_ secrets (old and new) while a rotation is under way.
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { AppError } from "../lib/errors";

export type VerifiedWebhook = {
  /** webhook-id: the sender's unique message id, the key to deduplicate on. */
  id: string;
  timestamp: Date;
  /** The body parsed as JSON (only after the signature matched). */
  payload: unknown;
};

type HeaderSource = Headers | Record<string, string | undefined>;

/** The spec allows any printable id; a cap keeps junk out of the dedupe table. */
const ID_SHAPE = /^[\x21-\x7e]{1,255}$/;
const TIMESTAMP_SHAPE = /^\d{1,12}$/;

const verifiers = new Map<string, Webhook>();

function verifierFor(secret: string): Webhook {
  let verifier = verifiers.get(secret);
  if (!verifier) {
    verifier = new Webhook(secret);
    verifiers.set(secret, verifier);
  }
  return verifier;
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  return entry?.[1];
}

/**
 * Verifies a webhook against the RAW body text (exactly the bytes received, before any parsing) and
 * returns its id, timestamp and parsed JSON payload.
 * Throws AppError: 400 for missing or malformed headers and a body that is not JSON; 401 for a
 * signature that matches none of the secrets, or a timestamp more than 5 minutes from now.
 */
export function verifyWebhook(
  secret: string | readonly string[],
  headers: HeaderSource,
  rawBody: string,
): VerifiedWebhook {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signature = header(headers, "webhook-signature");
  if (!id || !timestamp || !signature) {
    throw new AppError("bad_request", "Missing webhook-id, webhook-timestamp or webhook-signature header");
  }
  if (!ID_SHAPE.test(id)) throw new AppError("bad_request", "webhook-id must be 1-255 printable ASCII characters");
  if (!TIMESTAMP_SHAPE.test(timestamp)) {
    throw new AppError("bad_request", "webhook-timestamp must be an integer number of Unix seconds");
  }
  const secrets = (typeof secret === "string" ? secret.split(/\s+/) : secret).filter(Boolean);
  if (secrets.length === 0) throw new Error("webhook secret is not configured");

  const signed = { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature };
  let failure = "No matching signature found";
  let verified = false;
  for (const s of secrets) {
    try {
      verifierFor(s).verify(rawBody, signed, { jsonParse: false });
      verified = true;
      break;
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      failure = err.message;
    }
  }
  if (!verified) throw new AppError("unauthorized", `Invalid webhook signature: ${failure}`);

  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    throw new AppError("bad_request", "Webhook body is not valid JSON");
  }
  return { id, timestamp: new Date(Number(timestamp) * 1000), payload };
}

/** Signs a payload the way verifyWebhook expects (outbound webhooks and tests). */
export function signWebhook(secret: string, id: string, timestamp: Date, rawBody: string) {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": verifierFor(secret).sign(id, timestamp, rawBody),
  };
}
