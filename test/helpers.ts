// Test helpers: everything goes through the real worker (SELF.fetch) except invariant checks,
// which read Postgres directly through the same driver.
import { env, SELF } from "cloudflare:test";
import type { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { API_KEY_PERMISSIONS } from "../src/auth/api-keys";
import { createDatabase } from "../src/db/client";
import { documentedAnswer } from "./documented-answers";
import { type CallableRoute, callRoute, expectStatus, type RouteInput } from "./route-call";
import { accounts, apiKeys, entries, gateway, members, workspaces } from "./routes";

export { assertStatus, callRoute, callRouteUnchecked, expectStatus, hasStatus, type RouteInput } from "./route-call";
export * as routes from "./routes";

export const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

/**
 * One request to the worker by method and path, for requests no route describes (bad paths, bad JSON, spec
 * paths with trailing slashes, documents). A JSON answer is checked with the schema its route documents for
 * that status (test/documented-answers.ts), and is `unknown`: a test narrows it (expectJson) before reading.
 * A request to a documented route with a typed answer is callRoute (route-call.ts).
 */
export async function rawCall(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await SELF.fetch(`https://api.test${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const schema = json === undefined ? undefined : documentedAnswer(method, path, res.status);
  const checked = schema?.safeParse(json);
  if (checked && !checked.success) {
    throw new Error(
      `${method} ${path} answered ${res.status} outside its documented schema: ` +
        `${JSON.stringify(checked.error.issues.slice(0, 5))}; body: ${text.slice(0, 300)}`,
    );
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** rawCall with the admin token, under /admin/v1. */
export const rawAdmin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  rawCall(method, `/admin/v1${path}`, { headers: { ...ADMIN, ...headers }, body });

/** A raw answer's JSON parsed with `schema` (a route's schema, or one the test states), failing otherwise. */
export function expectJson<S extends z.ZodType>(schema: S, answer: { json: unknown; text: string }): z.output<S> {
  const checked = schema.safeParse(answer.json);
  if (!checked.success)
    throw new Error(`answer outside ${JSON.stringify(checked.error.issues.slice(0, 5))}: ${answer.text.slice(0, 300)}`);
  return checked.data;
}

type Input<R extends CallableRoute> = RouteInput<R>;

/** callRoute with the admin token (an admin route's answer, typed by the route). */
export const adminCall = <R extends CallableRoute>(
  route: R,
  input: RouteInput<R>,
  headers: Record<string, string> = {},
) => callRoute(route, input, { ...ADMIN, ...headers });
/** A permission an API key can hold, and the body that creates an account. */
export type Permission = (typeof API_KEY_PERMISSIONS)[number];
export type NewAccount = Input<typeof accounts.createAccount>["json"];

export const createWorkspace = async (name = "Acme") =>
  expectStatus(await callRoute(workspaces.createWorkspace, { json: { name } }, ADMIN), 201);

export const createAccount = async (workspaceId: string, body: NewAccount = { currency: "EUR" }) =>
  expectStatus(
    await callRoute(accounts.createAccount, { params: { workspace_id: workspaceId }, json: body }, ADMIN),
    201,
  );

export const createKey = async (workspaceId: string, body: Input<typeof apiKeys.createApiKey>["json"]) =>
  expectStatus(
    await callRoute(apiKeys.createApiKey, { params: { workspace_id: workspaceId }, json: body }, ADMIN),
    201,
  );

export const adjust = async (accountId: string, amount: number | string, description = "test adjustment") =>
  expectStatus(
    await callRoute(
      entries.createAdjustment,
      { params: { account_id: accountId }, json: { amount, description } },
      ADMIN,
    ),
    201,
  );

export const importEntry = async (accountId: string, body: Omit<Input<typeof entries.importEntry>["json"], "source">) =>
  expectStatus(
    await callRoute(
      entries.importEntry,
      { params: { account_id: accountId }, json: { source: "sms_gateway", ...body } },
      ADMIN,
    ),
    201,
  );

export const setGateway = async (status: "ok" | "partial" | "unavailable") =>
  expectStatus(await callRoute(gateway.putGatewayStatus, { json: { status } }, ADMIN), 200);

/** Suspends an account (PATCH /accounts/{id}), which must answer 200. */
export const suspend = async (accountId: string) =>
  expectStatus(
    await adminCall(accounts.updateAccountStatus, { params: { account_id: accountId }, json: { status: "suspended" } }),
    200,
  );

/** Revokes an API key by id (DELETE /api-keys/{id}), which must answer 204. */
export const revokeKey = async (keyId: string) =>
  expectStatus(await adminCall(apiKeys.revokeApiKey, { params: { id: keyId } }), 204);

/** Revokes every token of a workspace member (DELETE /members/{id}/tokens), which must answer 204. */
export const revokeMemberTokens = async (memberId: string) =>
  expectStatus(await adminCall(members.revokeMemberTokens, { params: { member_id: memberId } }), 204);

/** A workspace with one account and a key bound to it holding `permissions`. */
export async function tenant(permissions: Permission[], account: NewAccount = { currency: "EUR" }) {
  const workspace = await createWorkspace();
  const acct = await createAccount(workspace.id, account);
  const key = await createKey(workspace.id, { account_id: acct.id, permissions });
  return { workspace, account: acct, key: key.key, keyId: key.id };
}

/** Direct SQL for invariant checks (never for the behaviour under test). */
export async function query<T>(text: ReturnType<typeof sql>): Promise<T[]> {
  const res = await createDatabase(env).execute(text);
  return res.rows as T[];
}

/**
 * Bulk history for scale tests, written the way a data import would: `rows` is a SELECT of (account_id,
 * amount, currency, source, type, description, balance_after, occurred_at, seq); each row becomes a
 * balanced transaction with its counter-leg on `counter`, posted at its effective date (seq must follow
 * that order), the system balance follows, and the accounts'
 * balance and entry_count are set from their entries (`accountIds`: the accounts, or a SELECT of them). One transaction; the per-leg balance trigger is
 * skipped (session_replication_role) because a million deferred checks would take minutes, and the
 * rows are balanced by construction (the suites' trial-balance checks read them).
 */
export async function seedEntries(
  accountIds: string[] | ReturnType<typeof sql>,
  rows: ReturnType<typeof sql>,
  counter = "adjustments:portal",
) {
  const accounts = Array.isArray(accountIds) ? sql`SELECT unnest(${sql.param(accountIds)}::uuid[])` : accountIds;
  const db = createDatabase(env);
  await db.batch([
    db.execute(sql`SET LOCAL session_replication_role = replica`),
    db.execute(sql`
      WITH e AS (
        INSERT INTO ledger_entries (account_id, amount, currency, source, type, description, balance_after,
          occurred_at, seq, transaction_id, created_at)
        SELECT r.*, nextval('ledger_transaction_id_seq'), r.occurred_at
        FROM (${rows}) r (account_id, amount, currency, source, type, description, balance_after, occurred_at, seq)
        RETURNING transaction_id, currency, amount, occurred_at, created_at
      ), legs AS (
        INSERT INTO system_legs (transaction_id, account_code, currency, amount, effective_at, posted_at)
        SELECT transaction_id, ${counter}, currency, -amount, occurred_at, created_at FROM e
        RETURNING currency, amount
      )
      SELECT system_balance_add(${counter}, currency, sum(amount)) FROM legs GROUP BY currency`),
    db.execute(sql`
      INSERT INTO ledger_day_counts (account_id, day, n)
      SELECT account_id, (occurred_at AT TIME ZONE 'UTC')::date, count(*) FROM ledger_entries
      WHERE account_id IN (${accounts}) GROUP BY 1, 2
      ON CONFLICT (account_id, day) DO UPDATE SET n = EXCLUDED.n`),
    db.execute(sql`
      UPDATE accounts a SET balance = s.total, entry_count = s.n
      FROM (SELECT account_id, sum(amount) AS total, max(seq) AS n FROM ledger_entries
            WHERE account_id IN (${accounts}) GROUP BY account_id) s
      WHERE a.id = s.account_id`),
  ]);
}

/** sum(entries) == balance, and the entry count, for one account. */
export async function ledgerInvariant(accountId: string) {
  const [row] = await query<{
    balance: string;
    sum: string;
    count: string;
    entry_count: string;
    last_after: string | null;
  }>(sql`
    SELECT a.balance::text AS balance, coalesce(sum(e.amount), 0)::text AS sum, count(e.id)::text AS count,
      a.entry_count::text AS entry_count,
      (SELECT balance_after::text FROM ledger_entries WHERE account_id = a.id ORDER BY id DESC LIMIT 1) AS last_after
    FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id WHERE a.id = ${accountId} GROUP BY a.id`);
  if (!row) throw new Error("no such account");
  // The counter behind paged totals must always equal the real number of entries.
  if (row.entry_count !== row.count) throw new Error(`entry_count ${row.entry_count} != ${row.count} entries`);
  return { balance: row.balance, sum: row.sum, count: Number(row.count), lastBalanceAfter: row.last_after };
}

export { sql };
