// Handlers of the entries resource. Money posts through adminPostingEffect (queries.ts), one round trip.
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AdminEnv } from "../../../auth/admin";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import {
  type BoundWrite,
  type Effect,
  requestFingerprint,
  runWrite,
  validateIdempotencyKey,
} from "../../../ledger/idempotency";
import { type PostedEntry, refusalError } from "../../../ledger/posting";
import type { EntryFilter } from "../../../ledger/queries";
import { AppError } from "../../../lib/errors";
import { isNegative, isZero } from "../../../lib/money";
import { approvalToJson } from "../approvals/render";
import { approvalThresholds } from "../approvals/threshold";
import { auditMeta } from "../audit/record";
import { badCursor, dayMillis, decodeKeyset, encodeKeyset, keysetPage, period, startOfDay } from "../common";
import { adminErrorRenderer } from "../errors";
import { entriesCsv } from "./csv";
import {
  type ApprovalRow,
  adminPostingEffect,
  auditedPosting,
  bootstrapAdjustment,
  listEntries,
  operatorAdjustment,
} from "./queries";
import { entryToJson } from "./render";
import * as routes from "./routes";
import type { EntryExportQuery } from "./schemas";

export const entriesAdmin = createSurface<AdminEnv>(adminErrorRenderer);

const SEQ_CURSOR = z.tuple([z.number().int().positive()]);

/** The list filters of an account as the ledger query takes them (`to` is a whole day, so exclusive +1). */
const entryFilter = (accountId: string, q: z.infer<typeof EntryExportQuery>): EntryFilter => ({
  accountId,
  sources: q.source ? [q.source] : undefined,
  types: q.type ? [q.type] : undefined,
  from: q.from ? new Date(startOfDay(q.from)) : undefined,
  to: q.to ? new Date(startOfDay(q.to) + dayMillis) : undefined,
});

entriesAdmin.openapi(routes.listEntries, async (c) => {
  const { account_id } = c.req.valid("param");
  const { limit, cursor, ...filters } = c.req.valid("query");
  // Posting order: the cursor is the last row's `seq`.
  const before = cursor ? decodeKeyset(cursor, SEQ_CURSOR) : undefined;
  if (cursor && !before) throw badCursor();
  const filter = { ...entryFilter(account_id, filters), beforeSeq: before?.[0] };
  const result = await listEntries(database(c), filter, limit + 1);
  if (!result.found) throw new AppError("not_found", "Account not found");
  const { page, next_cursor } = keysetPage(result.rows, limit, (last) => encodeKeyset([last.seq]));
  return c.json({ entries: page.map((e) => entryToJson(account_id, e)), next_cursor }, 200);
});

entriesAdmin.openapi(routes.exportEntries, async (c) => {
  const { account_id } = c.req.valid("param");
  const query = c.req.valid("query");
  const { from, to } = period(query);
  // The rows are read in keyset chunks while the body streams (one statement per chunk).
  const body = await entriesCsv(database(c), entryFilter(account_id, { ...query, from, to }));
  if (!body) throw new AppError("not_found", "Account not found");
  return c.body(body, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="entries-${account_id}-${from}-${to}.csv"`,
    "cache-control": "no-store",
  });
});

type Posted = PostedEntry | { approval: ApprovalRow };

/**
 * Shared by adjustments and imports: an admin posting (or, for a named operator's large adjustment, its
 * approval request), idempotent when a key is given, with its audit row: one round trip.
 */
async function adminWrite(
  c: Context<AdminEnv>,
  accountId: string,
  effect: Effect | BoundWrite,
  fingerprintOf: unknown,
) {
  const outcome = await runWrite<
    Posted,
    ReturnType<typeof entryToJson> | { approval: ReturnType<typeof approvalToJson> }
  >(
    database(c),
    {
      scope: `admin:${accountId}`,
      key: validateIdempotencyKey(c.req.header("idempotency-key")),
      fingerprint: await requestFingerprint(fingerprintOf),
    },
    effect,
    {
      status: 201,
      render: (result) =>
        "approval" in result ? { approval: approvalToJson(result.approval) } : entryToJson(accountId, result),
      refused: (refusal) => refusalError(refusal),
    },
  );
  if (outcome.replayed) c.header("Idempotent-Replayed", "true");
  return outcome.body;
}

/** Who caused a money movement, kept on the ledger entry's metadata. */
const actorMetadata = (c: Context<AdminEnv>) => {
  const actor = c.get("actor");
  return { actor: { id: actor.id, email: actor.email } };
};

entriesAdmin.openapi(routes.createAdjustment, async (c) => {
  const { account_id } = c.req.valid("param");
  const input = c.req.valid("json");
  if (isZero(input.amount.value))
    throw new AppError("bad_request", "amount must not be zero", { amount: ["must not be zero"] });
  const meta = auditMeta(c);
  const values = {
    ...meta,
    accountId: account_id,
    amount: input.amount.value,
    description: input.description,
    metadata: JSON.stringify(actorMetadata(c)),
  };
  // Four eyes apply to named operators; the bootstrap token (set-up, break-glass) posts directly.
  const effect =
    meta.actorId === null
      ? bootstrapAdjustment(values)
      : operatorAdjustment({
          ...values,
          decimals: input.amount.decimals,
          thresholds: JSON.stringify(approvalThresholds(c.env.ADJUSTMENT_APPROVAL_THRESHOLD)),
        });
  const body = await adminWrite(c, account_id, effect, {
    route: "adjustment",
    account_id,
    amount: input.amount.value,
    description: input.description,
  });
  return "approval" in body ? c.json(body, 202) : c.json(body, 201);
});

entriesAdmin.openapi(routes.importEntry, async (c) => {
  const { account_id } = c.req.valid("param");
  const input = c.req.valid("json");
  const amount = input.amount.value;
  if (isZero(amount)) throw new AppError("bad_request", "amount must not be zero", { amount: ["must not be zero"] });
  if ((input.type === "usage") !== isNegative(amount)) {
    const problem = input.type === "usage" ? "usage amounts must be negative" : "deposit amounts must be positive";
    throw new AppError("bad_request", `amount: ${problem}`, { amount: [problem] });
  }
  const posting = adminPostingEffect(account_id, input.amount, {
    source: "sms_gateway",
    type: input.type,
    description: input.description,
    occurredAt: input.occurred_at ? new Date(input.occurred_at) : undefined,
    metadata: actorMetadata(c),
  });
  const body = await adminWrite(c, account_id, auditedPosting(posting, auditMeta(c), "entry.import", account_id), {
    route: "entry",
    account_id,
    ...input,
    amount,
  });
  if ("approval" in body) throw new Error("an import never waits for approval");
  return c.json(body, 201);
});
