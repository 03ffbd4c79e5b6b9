// Receipt files of SMS payments, stored in R2 (the RECEIPTS binding) at
// `sms-payments/<workspaceId>/<paymentId>/<safe-filename>`. A receipt is accepted only when its
// declared type is allowed AND its first bytes are that type's signature.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { hmacSha256Key, toHex } from "../../lib/crypto";
import { AppError } from "../../lib/errors";

export const MAX_RECEIPT_BYTES = 5 * 1024 * 1024;
/** The whole multipart request: the receipt plus the text fields and the multipart framing. */
export const MAX_UPLOAD_BYTES = 6 * 1024 * 1024;

const SIGNATURES = {
  "image/jpeg": { ext: ["jpg", "jpeg"], magic: [0xff, 0xd8, 0xff] },
  "image/png": { ext: ["png"], magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  "application/pdf": { ext: ["pdf"], magic: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // "%PDF-"
} as const;

export type ReceiptType = keyof typeof SIGNATURES;
export const RECEIPT_TYPES = Object.keys(SIGNATURES) as ReceiptType[];

/** "image/PNG; foo=bar" → "image/png". */
export const mediaTypeOf = (declared: string) => declared.split(";")[0]?.trim().toLowerCase() ?? "";

export const isReceiptType = (declared: string): declared is ReceiptType =>
  (RECEIPT_TYPES as string[]).includes(mediaTypeOf(declared));

export type CheckedReceipt = {
  bytes: Uint8Array;
  contentType: ReceiptType;
  filename: string;
  size: number;
  sha256: string;
};

export const RECEIPT_TYPE_MESSAGE = "receipt: must be an image/jpeg, image/png or application/pdf file";

/** Reads and checks an uploaded receipt; 400 when it is not an allowed file of at most 5 MB. */
export async function checkReceipt(file: File): Promise<CheckedReceipt> {
  if (!isReceiptType(file.type)) throw new AppError("bad_request", RECEIPT_TYPE_MESSAGE);
  const contentType = mediaTypeOf(file.type) as ReceiptType;
  const signature = SIGNATURES[contentType];
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.byteLength === 0) throw new AppError("bad_request", "receipt: must not be empty");
  if (bytes.byteLength > MAX_RECEIPT_BYTES) throw new AppError("bad_request", "receipt: must be at most 5 MB");
  if (!signature.magic.every((b, i) => bytes[i] === b)) {
    throw new AppError("bad_request", `receipt: content is not a valid ${contentType} file`);
  }
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return {
    bytes,
    contentType,
    filename: safeFilename(file.name, signature.ext),
    size: bytes.byteLength,
    sha256: toHex(new Uint8Array(digest)),
  };
}

/** A filename safe as an object-key segment and in Content-Disposition: [A-Za-z0-9._-], ≤ 100 chars. */
export function safeFilename(name: string, extensions: readonly string[]): string {
  const base = (name.split(/[\\/]/).pop() ?? "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^[._-]+/, "")
    .slice(-100);
  const ext = base.includes(".") ? (base.split(".").pop() ?? "").toLowerCase() : "";
  const stem = base || "receipt";
  return extensions.includes(ext) ? stem : `${stem.slice(0, 95)}.${extensions[0]}`;
}

export const receiptKey = (workspaceId: string, paymentId: string, filename: string) =>
  `sms-payments/${workspaceId}/${paymentId}/${filename}`;

export async function storeReceipt(bucket: R2Bucket, key: string, receipt: CheckedReceipt) {
  const object = await bucket.put(key, receipt.bytes, {
    httpMetadata: { contentType: receipt.contentType },
    sha256: receipt.sha256,
  });
  if (!object) throw new Error("R2 put returned no object");
  return { key, size: object.size };
}

// ---------- signed receipt links ----------
// `receiptImage.url` is a link that works without any header (an <img src>, a download), like a storage
// signed URL: an HMAC-SHA256, keyed with WORKSPACE_TOKEN_SECRET, over the receipt's object key, the
// member it was issued to, that member's token version and an expiry. Revoking the member's tokens bumps
// the version, so every link issued before stops working too; the download re-checks the version in the
// database in the same statement that finds the receipt.

/** How long a signed receipt link works. */
export const RECEIPT_LINK_TTL_MINUTES = 15;

/** Domain separation: these signatures can never be mistaken for the JWTs signed with the same secret. */
const LINK_CONTEXT = "payments-edge receipt link v1";

export type ReceiptLink = {
  /** The receipt's object key: sms-payments/<workspaceId>/<paymentId>/<filename>. */
  path: string;
  memberId: string;
  tokenVersion: number;
  /** Unix seconds. */
  expires: number;
};

const encoder = new TextEncoder();
const linkMessage = (l: ReceiptLink) =>
  encoder.encode([LINK_CONTEXT, l.path, l.memberId, l.tokenVersion, l.expires].join("\n"));

const base64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) return null;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** The link's path on this API: /api/v1/workspace/<ws>/sms/payments/<id>/receipt/<filename>. */
function linkPathOf(objectKey: string): string {
  const [, workspaceId, paymentId, filename] = objectKey.split("/");
  return `/api/v1/workspace/${workspaceId}/sms/payments/${paymentId}/receipt/${filename}`;
}

/** Signs links for one member, all expiring RECEIPT_LINK_TTL_MINUTES from `now`. */
export async function receiptLinkSigner(
  secret: string,
  origin: string,
  member: { id: string; tokenVersion: number },
  now = Date.now(),
) {
  const key = await hmacSha256Key(secret);
  const expires = Math.floor(now / 1000) + RECEIPT_LINK_TTL_MINUTES * 60;
  return async (objectKey: string) => {
    const link = { path: objectKey, memberId: member.id, tokenVersion: member.tokenVersion, expires };
    const signature = base64url(await crypto.subtle.sign("HMAC", key, linkMessage(link)));
    const query = new URLSearchParams({
      member: link.memberId,
      version: String(link.tokenVersion),
      expires: String(expires),
      signature,
    });
    return `${origin}${linkPathOf(objectKey)}?${query}`;
  };
}

export type ReceiptLinkSigner = Awaited<ReturnType<typeof receiptLinkSigner>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The link's claims when its signature matches them (constant-time, by WebCrypto); null otherwise. */
export async function verifyReceiptLink(
  secret: string,
  objectKey: string,
  query: { member?: string; version?: string; expires?: string; signature?: string },
): Promise<ReceiptLink | null> {
  const { member, version, expires, signature } = query;
  if (!secret) return null;
  if (member === undefined || !UUID.test(member)) return null;
  if (!/^\d{1,9}$/.test(version ?? "") || !/^\d{1,12}$/.test(expires ?? "")) return null;
  const bytes = fromBase64url(signature ?? "");
  if (!bytes) return null;
  const link = { path: objectKey, memberId: member, tokenVersion: Number(version), expires: Number(expires) };
  const valid = await crypto.subtle.verify("HMAC", await hmacSha256Key(secret), bytes, linkMessage(link));
  return valid ? link : null;
}

/** The payment as answered now: its receipt's url is a fresh signed link (stored answers keep the Bearer route). */
export async function withReceiptLink<P extends { receiptImage: { url: string; path: string } | null }>(
  payment: P,
  sign: ReceiptLinkSigner,
): Promise<P> {
  if (!payment.receiptImage) return payment;
  return { ...payment, receiptImage: { ...payment.receiptImage, url: await sign(payment.receiptImage.path) } };
}

export type LinkedReceipt = ReceiptLink & { workspaceId: string; paymentId: string };
export type ReceiptLinkEnv = AppEnv & { Variables: AppEnv["Variables"] & { receiptLink: LinkedReceipt } };

const WORKSPACE_ID = UUID;
const PAYMENT_ID = /^[0-9a-f]{24}$/;
/** What safeFilename produces. */
const FILENAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const INVALID_LINK = "Invalid receipt link";

/**
 * GET .../sms/payments/{id}/receipt/{filename}?member&version&expires&signature: 403 unless the signature
 * matches that path and those claims and the link has not expired. Stores the claims in `c.var.receiptLink`;
 * the handler then checks the member's token version in the database.
 */
export const requireReceiptLink: MiddlewareHandler<ReceiptLinkEnv> = async (c, next) => {
  const workspaceId = c.req.param("workspaceId") ?? "";
  const paymentId = c.req.param("id") ?? "";
  const filename = c.req.param("filename") ?? "";
  if (!WORKSPACE_ID.test(workspaceId) || !PAYMENT_ID.test(paymentId) || !FILENAME.test(filename)) {
    throw new AppError("forbidden", INVALID_LINK);
  }
  const link = await verifyReceiptLink(
    c.env.WORKSPACE_TOKEN_SECRET,
    receiptKey(workspaceId, paymentId, filename),
    c.req.query(),
  );
  if (!link) throw new AppError("forbidden", INVALID_LINK);
  if (link.expires * 1000 <= Date.now()) throw new AppError("forbidden", "Receipt link expired");
  c.set("receiptLink", { ...link, workspaceId, paymentId });
  await next();
};
