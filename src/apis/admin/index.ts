// Portal admin API (/admin/v1): the back office's contract. Other tools rely on its exact shape.
import type { Context } from "hono";
import { keyCacheTtl, newApiKeySecret } from "../../auth/api-keys";
import { database } from "../../db/request-db";
import { gatewayStatusMaxAge } from "../../edge/gateway-config";
import {
  cacheKey,
  forgetKey,
  readEffectiveGatewayState,
  writeAccountState,
  writeGatewayState,
} from "../../edge/kv-state";
import type { AppEnv } from "../../env";
import { accountToJson, edgeStateOf, findAccount } from "../../ledger/accounts";
import { requestFingerprint, runWrite, validateIdempotencyKey } from "../../ledger/idempotency";
import { type PostedEntry, refusalError } from "../../ledger/posting";
import { entryToJson } from "../../ledger/serialize";
import { sha256Hex } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import { checkCurrencyPrecision, isNegative, isZero, type ParsedAmount } from "../../lib/money";
import { createSurface, type ErrorRenderer } from "../shared/surface";
import {
  adminPostingEffect,
  insertAccount,
  insertApiKey,
  insertWorkspace,
  revokeApiKey,
  setAccountStatus,
} from "./queries";
import * as routes from "./routes";

/** The admin error envelope; shared with the admin sub-routers (members.ts). */
export const adminErrorRenderer: ErrorRenderer = (err, requestId) => ({
  error: {
    code: err.kind,
    message: err.message,
    ...(err.details ? { details: err.details } : {}),
    ...(err.status >= 500 ? { request_id: requestId } : {}),
  },
});

export const adminApi = createSurface(adminErrorRenderer);

type AdminContext = Context<AppEnv>;

const workspaceNotFound = () => new AppError("not_found", "Workspace not found");

adminApi.openapi(routes.createWorkspace, async (c) => {
  const { name } = c.req.valid("json");
  const row = await insertWorkspace(database(c), name);
  return c.json({ id: row.id, name: row.name, created_at: row.createdAt.toISOString() }, 201);
});

adminApi.openapi(routes.createAccount, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const input = c.req.valid("json");
  if (input.overdraft_limit) {
    const problem = isNegative(input.overdraft_limit.value)
      ? "overdraft_limit must not be negative"
      : checkCurrencyPrecision(input.overdraft_limit, input.currency)?.replace(/^amount/, "overdraft_limit");
    if (problem) throw new AppError("bad_request", problem, { overdraft_limit: [problem] });
  }
  const row = await insertAccount(database(c), {
    workspaceId: workspace_id,
    currency: input.currency,
    status: input.status,
    overdraftLimit: input.overdraft_limit?.value ?? "0",
  });
  if (!row) throw workspaceNotFound();
  await writeAccountState(c.env.EDGE_KV, row.id, edgeStateOf(row));
  return c.json(accountToJson(row), 201);
});

adminApi.openapi(routes.patchAccount, async (c) => {
  const { account_id } = c.req.valid("param");
  const { status } = c.req.valid("json");
  const row = await setAccountStatus(database(c), account_id, status);
  if (!row) throw new AppError("not_found", "Account not found");
  await writeAccountState(c.env.EDGE_KV, row.id, edgeStateOf(row));
  return c.json(accountToJson(row), 200);
});

adminApi.openapi(routes.createApiKey, async (c) => {
  const { workspace_id } = c.req.valid("param");
  const input = c.req.valid("json");
  const db = database(c);
  if (input.account_id) {
    const account = await findAccount(db, input.account_id);
    if (!account || account.workspaceId !== workspace_id) {
      throw new AppError("bad_request", "account_id: no such account in this workspace", {
        account_id: ["no such account in this workspace"],
      });
    }
  }
  const { key, prefix } = newApiKeySecret(input.mode);
  const secretHash = await sha256Hex(key);
  const row = await insertApiKey(db, {
    workspaceId: workspace_id,
    accountId: input.account_id ?? null,
    prefix,
    secretHash,
    permissions: input.permissions,
    mode: input.mode,
  });
  if (!row) throw workspaceNotFound();
  await cacheKey(
    c.env.EDGE_KV,
    secretHash,
    { id: row.id, workspace_id: row.workspaceId, account_id: row.accountId, permissions: row.permissions },
    keyCacheTtl(c.env),
  );
  return c.json({ id: row.id, key, prefix, permissions: row.permissions }, 201);
});

adminApi.openapi(routes.revokeApiKey, async (c) => {
  const { id } = c.req.valid("param");
  const secretHash = await revokeApiKey(database(c), id);
  if (!secretHash) throw new AppError("not_found", "API key not found");
  // Deleting the cache entry is what stops KV-decided answers; data answers re-check the database.
  await forgetKey(c.env.EDGE_KV, secretHash);
  return c.body(null, 204);
});

/** Shared by adjustments and imports: an admin posting, idempotent when a key is given (one round trip). */
async function adminPosting(
  c: AdminContext,
  accountId: string,
  amount: ParsedAmount,
  posting: {
    source: "portal" | "sms_gateway";
    type: "adjustment" | "deposit" | "usage";
    description: string;
    occurredAt?: Date;
  },
  fingerprintOf: unknown,
) {
  const outcome = await runWrite<PostedEntry, ReturnType<typeof entryToJson>>(
    database(c),
    {
      scope: `admin:${accountId}`,
      key: validateIdempotencyKey(c.req.header("idempotency-key")),
      fingerprint: await requestFingerprint(fingerprintOf),
    },
    adminPostingEffect(accountId, amount, posting),
    {
      status: 201,
      render: (entry) => entryToJson(accountId, entry),
      refused: (refusal) => {
        if (refusal.failure !== "currency_precision") return refusalError(refusal);
        const precision = checkCurrencyPrecision(amount, refusal.currency ?? "") ?? "amount has too many decimals";
        return new AppError("bad_request", precision, { amount: [precision] });
      },
    },
  );
  if (outcome.replayed) c.header("Idempotent-Replayed", "true");
  return outcome.body;
}

adminApi.openapi(routes.createAdjustment, async (c) => {
  const { account_id } = c.req.valid("param");
  const input = c.req.valid("json");
  if (isZero(input.amount.value))
    throw new AppError("bad_request", "amount must not be zero", { amount: ["must not be zero"] });
  const body = await adminPosting(
    c,
    account_id,
    input.amount,
    { source: "portal", type: "adjustment", description: input.description },
    { route: "adjustment", account_id, amount: input.amount.value, description: input.description },
  );
  return c.json(body, 201);
});

adminApi.openapi(routes.createImportedEntry, async (c) => {
  const { account_id } = c.req.valid("param");
  const input = c.req.valid("json");
  const amount = input.amount.value;
  if (isZero(amount)) throw new AppError("bad_request", "amount must not be zero", { amount: ["must not be zero"] });
  if ((input.type === "usage") !== isNegative(amount)) {
    const problem = input.type === "usage" ? "usage amounts must be negative" : "deposit amounts must be positive";
    throw new AppError("bad_request", `amount: ${problem}`, { amount: [problem] });
  }
  const body = await adminPosting(
    c,
    account_id,
    input.amount,
    {
      source: "sms_gateway",
      type: input.type,
      description: input.description,
      occurredAt: input.occurred_at ? new Date(input.occurred_at) : undefined,
    },
    { route: "entry", account_id, ...input, amount },
  );
  return c.json(body, 201);
});

adminApi.openapi(routes.putGatewayStatus, async (c) => {
  const { status, reason } = c.req.valid("json");
  const state = {
    status,
    updated_at: new Date().toISOString(),
    reason: reason ?? "set by portal admin",
    source: "admin" as const,
  };
  await writeGatewayState(c.env.EDGE_KV, state);
  return c.json(state, 200);
});

adminApi.openapi(routes.getGatewayStatus, async (c) =>
  c.json(await readEffectiveGatewayState(c.env.EDGE_KV, gatewayStatusMaxAge(c.env)), 200),
);
