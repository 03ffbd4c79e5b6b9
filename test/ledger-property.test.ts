// The ledger against a model (issue 19), in the spirit of Blnk's invariant fuzzer and Formance's
// Antithesis workloads: random sequences of every money write — spec 001, 002, 003, 004, the three
// webhooks and the admin API — with retries, duplicate keys and duplicate deliveries, each through the
// real worker. After every step:
//   - every transaction of the account sums to zero and has at least two legs;
//   - the trial balance is zero in every currency;
//   - the balance is the sum of its legs and equals the model's (integer cents);
//   - the overdraft limit holds for the writes that enforce it (gateway usage is recorded past it, and
//     the account is flagged);
//   - a refused, replayed or duplicate request changes nothing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accessToken, createClient, statusEvent as cryptoStatus, processorEvent } from "./crypto-helpers";
import { adminCall, assertStatus, callRoute, expectStatus, query, routes, sql, tenant } from "./helpers";
import { ALL_KEY_PERMISSIONS, gatewayEvent, recordSmsPayment, workspaceMember } from "./story-helpers";
import { moveTo as moveMobileMoney, newEventId } from "./webhook-signing";

const decimal = (c: number) =>
  `${c < 0 ? "-" : ""}${Math.trunc(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, "0")}`;
function cents(text: string): number {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const [, sign, int = "0", frac = ""] = m;
  if (/[1-9]/.test(frac.slice(2))) throw new Error(`finer than cents: ${text}`);
  const n = Number(int) * 100 + Number(frac.padEnd(2, "0").slice(0, 2));
  return sign ? -n : n;
}

type Step =
  | {
      kind: "add_funds" | "record_usage" | "adjustment" | "gateway_deposit" | "gateway_usage";
      cents: number;
      keyed: boolean;
    }
  | { kind: "import_entry"; cents: number; usage: boolean }
  | { kind: "mobile_money" | "sms_payment" | "crypto"; cents: number }
  | { kind: "gateway_reversal" | "sms_delete" | "retry" | "redeliver" }
  | { kind: "invalid"; which: "zero_adjustment" | "bad_precision" | "future_usage" | "unknown_account" };

const amount = (max: number) => fc.integer({ min: 1, max });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("add_funds", "adjustment", "gateway_deposit" as const),
    cents: amount(50_000),
    keyed: fc.boolean(),
  }),
  fc.record({
    kind: fc.constantFrom("record_usage", "gateway_usage" as const),
    cents: amount(60_000),
    keyed: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("import_entry" as const), cents: amount(20_000), usage: fc.boolean() }),
  fc.record({ kind: fc.constantFrom("mobile_money", "sms_payment", "crypto" as const), cents: amount(30_000) }),
  fc.record({ kind: fc.constantFrom("gateway_reversal", "sms_delete", "retry", "redeliver" as const) }),
  fc.record({
    kind: fc.constant("invalid" as const),
    which: fc.constantFrom("zero_adjustment", "bad_precision", "future_usage", "unknown_account" as const),
  }),
);

type State = { balance: string; legs_sum: string; entries: number; unbalanced: number; overdrawn: boolean };

async function ledgerState(accountId: string): Promise<State> {
  const [row] = await query<State>(sql`
    SELECT a.balance::text AS balance, (a.overdrawn_at IS NOT NULL) AS overdrawn,
      (SELECT coalesce(sum(amount), 0)::text FROM ledger_entries WHERE account_id = a.id) AS legs_sum,
      (SELECT count(*)::int FROM ledger_entries WHERE account_id = a.id) AS entries,
      (SELECT count(*)::int FROM (
        SELECT e.transaction_id FROM ledger_entries e
        LEFT JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(amount), 0) AS s FROM system_legs l
                           WHERE l.transaction_id = e.transaction_id) sys ON true
        LEFT JOIN LATERAL (SELECT count(*) AS n, sum(amount) AS s FROM ledger_entries o
                           WHERE o.transaction_id = e.transaction_id) cust ON true
        WHERE e.account_id = a.id AND (sys.n + cust.n < 2 OR sys.s + cust.s <> 0)) bad) AS unbalanced
    FROM accounts a WHERE a.id = ${accountId}`);
  if (!row) throw new Error("account gone");
  return row;
}

async function trialBalanceIsZero() {
  const res = await adminCall(routes.ledger.getTrialBalance, {});
  for (const c of expectStatus(res, 200).currencies) {
    expect(`${c.currency} ${c.total}`).toMatch(/ 0(\.0+)?$/);
  }
}

describe("the ledger against a model, every money write of every surface", () => {
  it("keeps every invariant after each step of random sequences with retries and duplicates", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 20_000),
        fc.array(step, { minLength: 3, maxLength: 14 }),
        async (overdraft, steps) => {
          const t = await tenant(ALL_KEY_PERMISSIONS, { currency: "USD", overdraft_limit: decimal(overdraft) });
          const accountId: string = t.account.id;
          const owner = await workspaceMember(t.workspace.id);
          const oauth = await accessToken(await createClient(t.workspace.id));
          let balance = 0;
          let entries = 0;
          const gatewayEvents: { id: string; cents: number }[] = [];
          const smsPayments: { id: string; cents: number }[] = [];
          let lastKeyed: { send: () => Promise<{ status: number; text: string }>; text: string } | undefined;
          /** Sends the last webhook event again: the outcome of its 200 answer (duplicate, processed…). */
          let lastEvent: { redeliver: () => Promise<string> } | undefined;
          let n = 0;

          /** Asserts the step changed nothing. */
          const unchanged = async (before: State) => expect(await ledgerState(accountId)).toEqual(before);

          for (const s of steps) {
            n++;
            const before = await ledgerState(accountId);
            const key = `prop-${n}-${crypto.randomUUID()}`;
            switch (s.kind) {
              case "add_funds":
              case "record_usage": {
                const usage = s.kind === "record_usage";
                // The bodies are fixed now: a retry must send exactly the same request.
                const funds = { amount: decimal(s.cents) };
                const use = { details: `step ${n}`, amount: decimal(s.cents), date: "2025-06-27 02.04:24" };
                const headers = { api_key: t.key, ...(s.keyed ? { "Idempotency-Key": key } : {}) };
                const params = { accountId };
                const send = () =>
                  usage
                    ? callRoute(routes.accountTransactions.recordUsage, { params, json: use }, headers)
                    : callRoute(routes.accountTransactions.addFunds, { params, json: funds }, headers);
                const res = await send();
                if (usage && balance - s.cents < -overdraft) {
                  expect(res.status).toBe(400);
                  expect(res.status === 400 && res.json.error.code).toBe("insufficient_funds");
                  await unchanged(before);
                  break;
                }
                expect(res.status).toBe(200);
                balance += usage ? -s.cents : s.cents;
                entries++;
                if (s.keyed) lastKeyed = { send, text: res.text };
                break;
              }
              case "adjustment": {
                // The body is fixed now: a retry must send exactly the same request.
                const body = { amount: decimal(s.cents), description: `step ${n}` };
                const send = () =>
                  adminCall(
                    routes.entries.createAdjustment,
                    { params: { account_id: accountId }, json: body },
                    s.keyed ? { "Idempotency-Key": key } : {},
                  );
                const res = await send();
                expect(res.status).toBe(201);
                balance += s.cents;
                entries++;
                if (s.keyed) lastKeyed = { send, text: res.text };
                break;
              }
              case "import_entry": {
                const signed = s.usage ? -s.cents : s.cents;
                const res = await adminCall(routes.entries.importEntry, {
                  params: { account_id: accountId },
                  json: {
                    source: "sms_gateway",
                    type: s.usage ? "usage" : "deposit",
                    amount: decimal(signed),
                    description: `import ${n}`,
                  },
                });
                expect(res.status).toBe(201);
                balance += signed;
                entries++;
                break;
              }
              case "gateway_deposit":
              case "gateway_usage": {
                const usage = s.kind === "gateway_usage";
                const signed = usage ? -s.cents : s.cents;
                const id = newEventId();
                const body = {
                  type: usage ? "usage.charged" : "deposit.received",
                  data: { account_id: accountId, amount: decimal(signed) },
                };
                const outcome = async () => expectStatus(await gatewayEvent(body, id), 200).status;
                expect(await outcome()).toBe("processed");
                balance += signed;
                entries++;
                gatewayEvents.push({ id, cents: signed });
                lastEvent = { redeliver: outcome };
                // Usage the gateway already sent is recorded even past the overdraft limit, and flagged.
                expect((await ledgerState(accountId)).overdrawn).toBe(balance < -overdraft);
                break;
              }
              case "gateway_reversal": {
                const original = gatewayEvents.shift();
                if (!original) continue;
                const res = await gatewayEvent({
                  type: "event.reversed",
                  data: { event_id: original.id, reason: "prop" },
                });
                expect(res.status).toBe(200);
                balance -= original.cents;
                entries++;
                break;
              }
              case "mobile_money": {
                const created = expectStatus(
                  await callRoute(
                    routes.paiements.createPayment,
                    { json: { transaction_type: "PAYMENT", amount: decimal(s.cents) } },
                    { "x-api-key": t.key, "Idempotency-Key": key },
                  ),
                  201,
                );
                await unchanged(before);
                await moveMobileMoney(created.reference, "PENDING");
                await moveMobileMoney(created.reference, "COMPLETE");
                balance += s.cents;
                entries++;
                break;
              }
              case "sms_payment": {
                const res = await recordSmsPayment(t.workspace.id, owner.token, {
                  amount: decimal(s.cents),
                  paymentMethod: "cash",
                });
                assertStatus(res, 201);
                smsPayments.push({ id: res.json.id, cents: s.cents });
                balance += s.cents;
                entries++;
                break;
              }
              case "sms_delete": {
                const payment = smsPayments.pop();
                if (!payment) continue;
                const remove = () =>
                  callRoute(
                    routes.smsPayments.deletePayment,
                    { params: { workspaceId: t.workspace.id, id: payment.id } },
                    { authorization: `Bearer ${owner.token}` },
                  );
                expect((await remove()).status).toBe(204);
                balance -= payment.cents;
                entries++;
                const after = await ledgerState(accountId);
                expect((await remove()).status).toBe(404);
                await unchanged(after);
                break;
              }
              case "crypto": {
                const created = expectStatus(
                  await callRoute(
                    routes.cryptoPayments.createPayment,
                    { json: { amount_usd: decimal(s.cents), currency: "USDTTRC20", order_id: `PROP-${n}-${key}` } },
                    { authorization: `Bearer ${oauth}` },
                  ),
                  201,
                );
                const event = cryptoStatus(created.transaction_id, "completed");
                const id = newEventId();
                const outcome = async () => expectStatus(await processorEvent(event, { id }), 200).status;
                await outcome();
                balance += s.cents;
                entries++;
                lastEvent = { redeliver: outcome };
                break;
              }
              case "retry": {
                if (!lastKeyed) continue;
                const res = await lastKeyed.send();
                expect(res.text).toBe(lastKeyed.text);
                await unchanged(before);
                break;
              }
              case "redeliver": {
                if (!lastEvent) continue;
                expect(await lastEvent.redeliver()).toBe("duplicate");
                await unchanged(before);
                break;
              }
              case "invalid": {
                const res =
                  s.which === "zero_adjustment"
                    ? await adminCall(routes.entries.createAdjustment, {
                        params: { account_id: accountId },
                        json: { amount: "0", description: "zero" },
                      })
                    : s.which === "bad_precision"
                      ? await callRoute(
                          routes.accountTransactions.addFunds,
                          { params: { accountId }, json: { amount: "1.005" } },
                          { api_key: t.key, "Idempotency-Key": key },
                        )
                      : s.which === "future_usage"
                        ? await callRoute(
                            routes.accountTransactions.recordUsage,
                            { params: { accountId }, json: { details: "x", amount: 1, date: "2099-01-01 00:00:00" } },
                            { api_key: t.key },
                          )
                        : await gatewayEvent({
                            type: "deposit.received",
                            data: { account_id: "00000000-0000-4000-8000-000000000000", amount: "1.00" },
                          });
                expect(res.status).toBeGreaterThanOrEqual(400);
                expect(res.status).toBeLessThan(500);
                await unchanged(before);
                break;
              }
            }
            const state = await ledgerState(accountId);
            expect(state.unbalanced).toBe(0);
            expect(cents(state.balance)).toBe(balance);
            expect(cents(state.legs_sum)).toBe(balance);
            expect(state.entries).toBe(entries);
            await trialBalanceIsZero();
          }
          // 002's own view agrees with the model.
          const listed = await callRoute(
            routes.accountTransactions.listTransactions,
            { params: { accountId }, query: { pageSize: "100" } },
            { api_key: t.key },
          );
          expect(expectStatus(listed, 200).total).toBe(entries);
        },
      ),
      { numRuns: 10 },
    );
  }, 300_000);
});
