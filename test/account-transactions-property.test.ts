// Spec 002 against an in-memory model: random sequences of add-funds, record-usage and idempotent
// retries; the model keeps the balance in integer cents, and API, model and ledger must agree.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addFunds, list, recordUsage } from "./fixtures/account-transactions";
import { assertStatus, expectStatus, hasStatus, ledgerInvariant, type Permission, tenant } from "./helpers";

const ALL: Permission[] = ["transactions.read", "funds.write", "usage.write"];

function cents(value: number | string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(String(value));
  if (!match) throw new Error(`not a plain decimal: ${value}`);
  const [, sign, int = "0", frac = ""] = match;
  if (/[1-9]/.test(frac.slice(2))) throw new Error(`finer than cents: ${value}`);
  const n = Number(int) * 100 + Number(frac.padEnd(2, "0").slice(0, 2));
  return sign ? -n : n;
}
const decimal = (c: number) => `${Math.trunc(c / 100)}.${String(c % 100).padStart(2, "0")}`;

type Step =
  | { kind: "add" | "usage"; cents: number; asString: boolean; keyed: boolean }
  | { kind: "retry" }
  | { kind: "invalid"; amount: unknown };

const amountStep = (kind: "add" | "usage", max: number) =>
  fc.record({
    kind: fc.constant(kind),
    cents: fc.integer({ min: 1, max }),
    asString: fc.boolean(),
    keyed: fc.boolean(),
  });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: amountStep("add", 500_000) },
  { weight: 4, arbitrary: amountStep("usage", 400_000) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("retry" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("invalid" as const),
      amount: fc.constantFrom(0, -1, "1.001", "x", null, 1e13),
    }),
  },
);

/**
 * add-funds or record-usage, as the step says, with the new balance its 200 answer names (`updated_balance`
 * for add-funds, `new_balance` for record-usage; undefined otherwise).
 */
async function post(
  kind: "add" | "usage",
  accountId: string,
  key: string,
  body: string,
  headers: Record<string, string> = {},
) {
  if (kind === "add") {
    const res = await addFunds(accountId, key, body, headers);
    return { ...res, balance: hasStatus(res, 200) ? res.json.updated_balance : undefined };
  }
  const res = await recordUsage(accountId, key, body, headers);
  return { ...res, balance: hasStatus(res, 200) ? res.json.new_balance : undefined };
}

describe("account ledger model", () => {
  it("agrees with an integer-cents model over random request sequences", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 2_500),
        fc.array(step, { minLength: 1, maxLength: 12 }),
        async (overdraft, steps) => {
          const t = await tenant(ALL, { currency: "EUR", overdraft_limit: decimal(overdraft) });
          let balance = 0;
          let count = 0;
          let lastKeyed: { kind: "add" | "usage"; body: string; key: string; text: string } | undefined;
          let n = 0;

          for (const s of steps) {
            n++;
            if (s.kind === "retry") {
              if (!lastKeyed) continue;
              const res = await post(lastKeyed.kind, t.account.id, t.key, lastKeyed.body, {
                "Idempotency-Key": lastKeyed.key,
              });
              expect(res.status).toBe(200);
              expect(res.headers.get("idempotent-replayed")).toBe("true");
              expect(res.text).toBe(lastKeyed.text);
              continue;
            }
            if (s.kind === "invalid") {
              const res = await addFunds(t.account.id, t.key, { amount: s.amount });
              assertStatus(res, 400);
              expect(Object.keys(res.json.error.details!)).toEqual(["amount"]);
              continue;
            }
            const amount = s.asString ? JSON.stringify(decimal(s.cents)) : decimal(s.cents);
            const body =
              s.kind === "add"
                ? `{"amount": ${amount}}`
                : `{"details": "step ${n}", "amount": ${amount}, "date": "2025-06-27 02.04:24"}`;
            const key = s.keyed ? `step-${n}` : undefined;
            const res = await post(s.kind, t.account.id, t.key, body, key ? { "Idempotency-Key": key } : {});
            const allowed = s.kind === "add" || balance - s.cents >= -overdraft;
            if (!allowed) {
              expect(res.status).toBe(400);
              expect(res.json).toEqual({ error: { code: "insufficient_funds", message: "Insufficient funds" } });
              continue;
            }
            expect(res.status).toBe(200);
            balance += s.kind === "add" ? s.cents : -s.cents;
            count++;
            expect(cents(res.balance ?? "none")).toBe(balance);
            if (key) lastKeyed = { kind: s.kind, body, key, text: res.text };
          }

          const invariant = await ledgerInvariant(t.account.id);
          expect(cents(invariant.balance)).toBe(balance);
          expect(cents(invariant.sum)).toBe(balance);
          expect(invariant.count).toBe(count);
          expect(invariant.lastBalanceAfter === null ? 0 : cents(invariant.lastBalanceAfter)).toBe(balance);
          const listed = expectStatus(await list(t.account.id, t.key, "?pageSize=100"), 200);
          expect(listed.total).toBe(count);
          expect(listed.transactions.reduce((sum, x) => sum + cents(x.amount), 0)).toBe(balance);
        },
      ),
      { numRuns: 15 },
    );
  });
});
