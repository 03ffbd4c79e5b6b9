// Spec 003: the workspace back office's SMS payments, under /api/v1/workspace. Bearer workspace member
// tokens (src/auth/workspace-tokens.ts); receipts in R2; every recorded payment credits the ledger once.
import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { MemberPrincipal } from "../../auth/workspace-tokens";
import { fillJsonHoles, jsonObjectText, RenderedJson } from "../../db/rendered-json";
import type { AppEnv } from "../../env";
import { jsonText } from "../../http/json-text";
import { database } from "../../http/request-db";
import { createSurface, type ErrorRenderer } from "../../http/surface";
import { requestFingerprint, runWrite, validateIdempotencyKey, type WriteOutcome } from "../../ledger/idempotency";
import { refusalError } from "../../ledger/posting";
import { toHex } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import {
  deletePaymentEffect,
  findReceipt,
  listPayments,
  memberStillActive,
  type PaymentRow,
  paymentToJson,
  recordPaymentEffect,
} from "./queries";
import { checkReceipt, INVALID_LINK, receiptKey, receiptLinkSigner, storeReceipt, withReceiptLink } from "./receipts";
import * as routes from "./routes";
import type { SmsPaymentJson, SmsPaymentList } from "./schemas";

/** `{"error":{"code","message","requestId"?}}`; the code is the error kind, requestId only on 5xx. */
export const renderWorkspaceError: ErrorRenderer = (err, requestId) => ({
  error: { code: err.kind, message: err.message, ...(err.status >= 500 ? { requestId } : {}) },
});

export const smsPaymentsApi = createSurface(renderWorkspaceError);

smsPaymentsApi.openAPIRegistry.registerComponent("securitySchemes", "workspaceBearer", {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description: "Workspace member token, issued by POST /admin/v1/members/{member_id}/tokens",
});

const UPLOAD_PATH = /^\/api\/v1\/workspace\/[^/]+\/sms\/payments$/;

/** The one request of this surface whose body exceeds the app's JSON limit; its route applies its own. */
export const isReceiptUpload = (method: string, path: string) => method === "POST" && UPLOAD_PATH.test(path);

const INVALID_TOKEN = "Missing or invalid authentication token";
/** The SMS currency is the one of the workspace's oldest account; only an account in it is credited. */
const NO_SMS_ACCOUNT = "The workspace has no account to credit in its SMS currency (all are suspended, or none exists)";
const PAYMENT_ID = /^[0-9a-f]{24}$/;

const newPaymentId = () => toHex(crypto.getRandomValues(new Uint8Array(12)));

const originOf = (url: string) => new URL(url).origin;

/** Signs the receipt links of this answer for the member who asked. */
const linkSignerFor = <E extends AppEnv>(c: Context<E>, member: MemberPrincipal) =>
  receiptLinkSigner(c.env.WORKSPACE_TOKEN_SECRET, originOf(c.req.url), member);

smsPaymentsApi.openapi(routes.listPayments, async (c) => {
  const { limit, offset } = c.req.valid("query");
  const member = c.get("member");
  const page = await listPayments(database(c), member, limit, offset);
  if (!page.member_ok) throw new AppError("unauthorized", INVALID_TOKEN);
  // Each receipt's link is signed here (the database never sees the secret) and filled into its hole.
  let links: string[] = [];
  if (page.receipts.length > 0) {
    const sign = await linkSignerFor(c, member);
    links = await Promise.all(page.receipts.map(async (path) => JSON.stringify(await sign(path))));
  }
  return jsonText<z.output<typeof SmsPaymentList>>(
    c,
    jsonObjectText({
      payments: new RenderedJson(fillJsonHoles(page.payments, links)),
      pagination: { total: page.total, limit, offset, hasMore: offset + page.count < page.total },
    }),
  );
});

smsPaymentsApi.openapi(routes.createPayment, async (c) => {
  const member = c.get("member");
  const { workspaceId } = c.req.valid("param");
  const form = c.req.valid("form");
  const idempotencyKey = validateIdempotencyKey(c.req.header("idempotency-key"));
  const receipt = form.receipt ? await checkReceipt(form.receipt) : null;

  // The parsed request and a digest of the file: a retried upload has a new multipart boundary.
  const fingerprint = await requestFingerprint({
    route: "sms_payment",
    workspaceId,
    amount: form.amount.value,
    paymentMethod: form.paymentMethod,
    description: form.description,
    notes: form.notes,
    paymentDate: form.paymentDate?.toISOString() ?? null,
    receipt: receipt && { sha256: receipt.sha256, type: receipt.contentType, name: receipt.filename },
  });

  // Uploaded before the transaction under its final key; removed again if the transaction does not
  // commit or the request turns out to be a replay, so a failed or repeated request stores nothing.
  const id = newPaymentId();
  const stored = receipt
    ? await storeReceipt(c.env.RECEIPTS, receiptKey(workspaceId, id, receipt.filename), receipt)
    : null;
  const removeUpload = async () => {
    if (!stored) return;
    await c.env.RECEIPTS.delete(stored.key).catch((err) =>
      console.error(JSON.stringify({ requestId: c.get("requestId"), orphanReceipt: stored.key, error: String(err) })),
    );
  };

  const origin = originOf(c.req.url);
  const effect = recordPaymentEffect(member, {
    id,
    amount: form.amount,
    paymentMethod: form.paymentMethod,
    description: form.description,
    notes: form.notes,
    paymentDate: form.paymentDate,
    receipt: stored && receipt ? { path: stored.key, size: stored.size, contentType: receipt.contentType } : null,
  });
  const guard = idempotencyKey
    ? {
        scope: `sms:${workspaceId}`,
        key: idempotencyKey,
        fingerprint,
        // The SMS account is chosen before posting; a refusal from a race on that choice is not final.
        storeRefusals: false,
        stillAuthorized: {
          check: memberStillActive(member),
          error: () => new AppError("unauthorized", INVALID_TOKEN),
        },
      }
    : null;

  let outcome: WriteOutcome<SmsPaymentJson>;
  try {
    outcome = await runWrite<PaymentRow, SmsPaymentJson>(database(c), guard, effect, {
      status: 201,
      render: (row) => paymentToJson(row, origin),
      refused: (refusal) => {
        if (refusal.failure === "member_revoked") return new AppError("unauthorized", INVALID_TOKEN);
        if (refusal.failure === "no_account") return new AppError("conflict", NO_SMS_ACCOUNT);
        const err = refusalError(refusal);
        return err.details ? new AppError(err.kind, err.message) : err;
      },
    });
  } catch (err) {
    await removeUpload();
    throw err;
  }
  if (outcome.replayed) {
    await removeUpload();
    c.header("Idempotent-Replayed", "true");
  }
  return c.json(await withReceiptLink(outcome.body, await linkSignerFor(c, member)), 201);
});

smsPaymentsApi.openapi(routes.getReceipt, async (c) => {
  const { id } = c.req.valid("param");
  if (!PAYMENT_ID.test(id)) throw new AppError("not_found", "Receipt not found");
  const found = await findReceipt(database(c), c.get("member"), id);
  if (!found.member_ok) throw new AppError("unauthorized", INVALID_TOKEN);
  return receiptFile(c, found.receipt);
});

smsPaymentsApi.openapi(routes.getReceiptByLink, async (c) => {
  const link = c.get("receiptLink");
  const member = { id: link.memberId, workspaceId: link.workspaceId, tokenVersion: link.tokenVersion };
  // The link's token version re-checked in the statement that finds the receipt: revoked → 403.
  const found = await findReceipt(database(c), member, link.paymentId);
  if (!found.member_ok) throw new AppError("forbidden", INVALID_LINK);
  return receiptFile(c, found.receipt?.path === link.path ? found.receipt : null);
});

/** Streams a receipt from R2 with its stored type; 404 when there is none. */
async function receiptFile<E extends AppEnv>(c: Context<E>, receipt: { path: string; content_type: string } | null) {
  const object = receipt ? await c.env.RECEIPTS.get(receipt.path) : null;
  if (!receipt || !object) throw new AppError("not_found", "Receipt not found");
  const filename = receipt.path.split("/").pop() ?? "receipt";
  return c.body(object.body, 200, {
    "Content-Type": receipt.content_type,
    "Content-Length": String(object.size),
    "Content-Disposition": `inline; filename="${filename}"`,
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    ETag: object.httpEtag,
  });
}

smsPaymentsApi.openapi(routes.deletePayment, async (c) => {
  const member = c.get("member");
  const { id } = c.req.valid("param");
  if (!PAYMENT_ID.test(id)) throw new AppError("not_found", "Payment not found");
  await runWrite<{ deleted: string }, null>(database(c), null, deletePaymentEffect(member, id), {
    status: 204,
    render: () => null,
    refused: (refusal) =>
      refusal.failure === "member_revoked"
        ? new AppError("unauthorized", INVALID_TOKEN)
        : new AppError("not_found", "Payment not found"),
  });
  return c.body(null, 204);
});
