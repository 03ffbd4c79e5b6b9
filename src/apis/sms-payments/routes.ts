import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requireMember } from "../../auth/workspace-token-middleware";
import type { AppEnv } from "../../env";
import { jsonContent, rateLimited } from "../../http/openapi";
import { credentials, perMember, rateLimit } from "../../http/rate-limit";
import { AppError } from "../../lib/errors";
import { MAX_UPLOAD_BYTES, RECEIPT_LINK_TTL_MINUTES, type ReceiptLinkEnv, requireReceiptLink } from "./receipts";
import {
  CreatePaymentForm,
  IdempotencyHeader,
  ListQuery,
  PaymentParams,
  ReceiptFileParams,
  ReceiptLinkQuery,
  SmsPayment,
  SmsPaymentList,
  WorkspaceApiError,
  WorkspaceParams,
} from "./schemas";

const auth = {
  429: rateLimited(WorkspaceApiError, "member"),
  401: jsonContent(WorkspaceApiError, "Missing, invalid, expired or revoked token"),
  404: jsonContent(WorkspaceApiError, "Unknown workspace, or one the token does not belong to"),
  500: jsonContent(WorkspaceApiError, "Server error (with a requestId, no internals)"),
  503: jsonContent(WorkspaceApiError, "The database is unreachable; retry later"),
};
const base = { tags: ["Workspace SMS payments (spec 003)"], security: [{ workspaceBearer: [] }] };

const canRead = requireMember({
  permission: "sms_payments.read",
  forbidden: "You do not have permission to view SMS payments",
});

/** Its own body limit, larger than the app's JSON limit (app.ts skips that one for this route). */
const uploadLimit: MiddlewareHandler<AppEnv> = bodyLimit({
  maxSize: MAX_UPLOAD_BYTES,
  onError: () => {
    throw new AppError("bad_request", "Request body too large: the receipt must be at most 5 MB");
  },
});

export const listPayments = createRoute({
  ...base,
  method: "get",
  path: "/{workspaceId}/sms/payments",
  operationId: "listSmsPayments",
  summary: "List SMS payments (v1)",
  description:
    "Paginated SMS payment records of the workspace, newest first (createdAt, then id); deleted payments " +
    "are excluded. Workspace owner, or staff with `sms_payments.read`. Unknown query parameters are ignored.",
  middleware: [canRead, perMember("read")] as const,
  request: { params: WorkspaceParams, query: ListQuery },
  responses: {
    200: jsonContent(SmsPaymentList, "A page of payments"),
    400: jsonContent(WorkspaceApiError, "Invalid query parameters"),
    403: jsonContent(WorkspaceApiError, "The member may not view SMS payments"),
    ...auth,
  },
});

export const createPayment = createRoute({
  ...base,
  method: "post",
  path: "/{workspaceId}/sms/payments",
  operationId: "createSmsPayment",
  summary: "Record an SMS payment",
  description:
    "Records a payment for SMS credit and credits the workspace's SMS account (its oldest account that is " +
    "not suspended) once, in the same transaction (ledger source `portal`, type `deposit`). Owner, or staff " +
    "with `sms_payments.write`. The optional receipt is stored in object storage. The request may be at most " +
    "6 MB. `Idempotency-Key`: a retry with the same key and the same fields and file replays the first " +
    "answer (header `Idempotent-Replayed: true`); the same key with a different request → 422.",
  middleware: [
    requireMember({ permission: "sms_payments.write", forbidden: "You do not have permission to record SMS payments" }),
    perMember("money"),
    uploadLimit,
  ] as const,
  request: {
    params: WorkspaceParams,
    headers: IdempotencyHeader,
    body: { content: { "multipart/form-data": { schema: CreatePaymentForm } }, required: true },
  },
  responses: {
    201: jsonContent(SmsPayment, "The recorded payment"),
    400: jsonContent(WorkspaceApiError, "Invalid field, receipt of a wrong type, or larger than 5 MB; nothing stored"),
    403: jsonContent(WorkspaceApiError, "The member may not record SMS payments, or the account is suspended"),
    409: jsonContent(
      WorkspaceApiError,
      "The workspace has no account to credit in its SMS currency (the currency of its oldest account): none " +
        "that is not suspended. Or the same key is still in flight",
    ),
    422: jsonContent(WorkspaceApiError, "Idempotency-Key reused with a different request"),
    ...auth,
  },
});

const receiptFile = {
  description: "The receipt file, byte for byte",
  content: {
    "image/jpeg": { schema: z.string().openapi({ format: "binary" }) },
    "image/png": { schema: z.string().openapi({ format: "binary" }) },
    "application/pdf": { schema: z.string().openapi({ format: "binary" }) },
  },
};

export const getReceipt = createRoute({
  ...base,
  method: "get",
  path: "/{workspaceId}/sms/payments/{id}/receipt",
  operationId: "getSmsPaymentReceipt",
  summary: "Download a payment's receipt",
  description:
    "Streams the stored receipt with its content type, for a Bearer token with the list's access. " +
    "`receiptImage.url` is the signed link to the same file, which needs no header.",
  middleware: [canRead, perMember("read")] as const,
  request: { params: PaymentParams },
  responses: {
    200: receiptFile,
    403: jsonContent(WorkspaceApiError, "The member may not view SMS payments"),
    ...auth,
    404: jsonContent(WorkspaceApiError, "Unknown workspace or payment, deleted payment, or no receipt"),
  },
});

export const deletePayment = createRoute({
  ...base,
  method: "delete",
  path: "/{workspaceId}/sms/payments/{id}",
  operationId: "deleteSmsPayment",
  summary: "Delete an SMS payment",
  description:
    "Owner only. Posts a reversing ledger entry (type `reversal`) and marks the payment deleted, in one " +
    "transaction; ledger rows are never deleted. Deleting again → 404.",
  middleware: [
    requireMember({ ownerOnly: true, forbidden: "Only the workspace owner can delete SMS payments" }),
    perMember("money"),
  ] as const,
  request: { params: PaymentParams },
  responses: {
    204: { description: "Deleted and reversed" },
    403: jsonContent(WorkspaceApiError, "The member is not the workspace owner"),
    ...auth,
    404: jsonContent(WorkspaceApiError, "Unknown workspace or payment, or already deleted"),
  },
});

export const getReceiptByLink = createRoute({
  tags: base.tags,
  security: [],
  method: "get",
  path: "/{workspaceId}/sms/payments/{id}/receipt/{filename}",
  operationId: "getSmsPaymentReceiptByLink",
  summary: "Download a receipt by its signed link",
  description:
    "The link a payment's `receiptImage.url` holds: it works without any header (an `<img src>`, a plain " +
    `download) for ${RECEIPT_LINK_TTL_MINUTES} minutes after the answer that gave it. It is an HMAC over the ` +
    "receipt's storage path, the member it was issued to, that member's token version and the expiry: a " +
    "changed path or parameter, an expired link, or a link of a member whose tokens were revoked since, " +
    "answers 403 and never the file; a deleted payment answers 404. Downloads count against the member's " +
    "read rate limit.",
  middleware: [
    requireReceiptLink,
    rateLimit<ReceiptLinkEnv>("read", (c) => credentials.member(c.get("receiptLink").memberId)),
  ] as const,
  request: { params: ReceiptFileParams, query: ReceiptLinkQuery },
  responses: {
    200: receiptFile,
    403: jsonContent(WorkspaceApiError, "Tampered, foreign, expired or revoked link"),
    404: jsonContent(WorkspaceApiError, "The payment was deleted, or its receipt is gone"),
    429: rateLimited(WorkspaceApiError, "link's member"),
    500: auth[500],
    503: auth[503],
  },
});
