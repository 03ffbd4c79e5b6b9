// Routes of the entries resource: an account's entries (page, CSV), adjustments, imported gateway entries.
import { z } from "@hono/zod-openapi";
import { IdempotencyHeader, jsonBody, jsonContent } from "../../../http/openapi";
import { uuidParam } from "../../../http/params";
import { ApprovalCreated } from "../approvals/schemas";
import { MAX_PERIOD_DAYS } from "../common";
import { adminErrors, adminRoute } from "../route-base";
import {
  CreateAdjustment,
  CreateImportedEntry,
  EntryExportQuery,
  EntryList,
  EntryListQuery,
  LedgerEntry,
} from "./schemas";

export const listEntries = adminRoute({
  operationId: "listEntries",
  summary: "List an account's ledger entries",
  method: "get",
  path: "/accounts/{account_id}/entries",
  description:
    "The account's ledger rows in posting order, newest first (each row's balance_after minus its amount is the " +
    "next row's balance_after), keyset-paged; filters by source, type and UTC days `from`..`to` (both " +
    "inclusive) of the effective date (effective_at).",
  request: { params: uuidParam("account_id"), query: EntryListQuery },
  responses: { 200: jsonContent(EntryList, "A page of entries"), ...adminErrors },
});

export const exportEntries = adminRoute({
  operationId: "exportEntries",
  summary: "Export an account's entries as CSV",
  method: "get",
  path: "/accounts/{account_id}/entries.csv",
  description:
    "The period's entries as CSV (RFC 4180, header row, newest first as the list), streamed. Amounts are exact " +
    `decimal text. Default period: the last 30 days up to today (UTC); at most ${MAX_PERIOD_DAYS} days. A ` +
    "description starting with = + - @ is prefixed with ' so spreadsheets do not run it as a formula.",
  request: { params: uuidParam("account_id"), query: EntryExportQuery },
  responses: {
    200: { content: { "text/csv": { schema: z.string() } }, description: "The CSV" },
    ...adminErrors,
  },
});

export const createAdjustment = adminRoute({
  operationId: "createAdjustment",
  summary: "Post a portal adjustment",
  method: "post",
  path: "/accounts/{account_id}/adjustments",
  request: { params: uuidParam("account_id"), headers: IdempotencyHeader, ...jsonBody(CreateAdjustment) },
  description:
    "Posts at once for the bootstrap token, and for a named operator below ADJUSTMENT_APPROVAL_THRESHOLD (in " +
    "the account's currency). At or above it, nothing posts: the answer is 202 with a pending approval, which " +
    "another approver or admin approves (POST /approvals/{id}/approve).",
  responses: {
    201: jsonContent(LedgerEntry, "Posted (source portal, type adjustment)"),
    202: jsonContent(ApprovalCreated, "Waiting for a second operator's approval"),
    ...adminErrors,
  },
});

export const importEntry = adminRoute({
  operationId: "importEntry",
  summary: "Import an SMS gateway history entry",
  method: "post",
  path: "/accounts/{account_id}/entries",
  request: { params: uuidParam("account_id"), headers: IdempotencyHeader, ...jsonBody(CreateImportedEntry) },
  responses: { 201: jsonContent(LedgerEntry, "Gateway history entry imported"), ...adminErrors },
});
