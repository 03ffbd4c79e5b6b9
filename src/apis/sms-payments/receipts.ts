// Receipt files of SMS payments, stored in R2 (the RECEIPTS binding) at
// `sms-payments/<workspaceId>/<paymentId>/<safe-filename>`. A receipt is accepted only when its
// declared type is allowed AND its first bytes are that type's signature.
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
    sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""),
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
