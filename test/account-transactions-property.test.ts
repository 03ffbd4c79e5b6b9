// Spec 002 against an in-memory model: random sequences of add-funds, record-usage and idempotent
// retries; the model keeps the balance in integer cents, and API, model and ledger must agree.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call, ledgerInvariant, type Permission, tenant } from "./helpers";

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

describe("account ledger model", () => {
  it("agrees with an integer-cents model over random request sequences", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 2_500),
        fc.array(step, { minLength: 1, maxLength: 12 }),
        async (overdraft, steps) => {
          const t = await tenant(ALL, { currency: "EUR", overdraft_limit: decimal(overdraft) });
          const base = `/v1/account/${t.account.id}/transactions`;
          let balance = 0;
          let count = 0;
          let lastKeyed: { path: string; body: string; key: string; text: string } | undefined;
          let n = 0;

          for (const s of steps) {
            n++;
            if (s.kind === "retry") {
              if (!lastKeyed) continue;
              const res = await call("POST", lastKeyed.path, {
                headers: { api_key: t.key, "Idempotency-Key": lastKeyed.key },
                body: lastKeyed.body,
              });
              expect(res.status).toBe(200);
              expect(res.headers.get("idempotent-replayed")).toBe("true");
              expect(res.text).toBe(lastKeyed.text);
              continue;
            }
            if (s.kind === "invalid") {
              const res = await call("POST", `${base}/add-funds`, {
                headers: { api_key: t.key },
                body: { amount: s.amount },
              });
              expect(res.status).toBe(400);
              expect(Object.keys(res.json.error.details)).toEqual(["amount"]);
              continue;
            }
            const amount = s.asString ? JSON.stringify(decimal(s.cents)) : decimal(s.cents);
            const path = `${base}/${s.kind === "add" ? "add-funds" : "record-usage"}`;
            const body =
              s.kind === "add"
                ? `{"amount": ${amount}}`
                : `{"details": "step ${n}", "amount": ${amount}, "date": "2025-06-27 02.04:24"}`;
            const key = s.keyed ? `step-${n}` : undefined;
            const res = await call("POST", path, {
              headers: { api_key: t.key, ...(key ? { "Idempotency-Key": key } : {}) },
              body,
            });
            const allowed = s.kind === "add" || balance - s.cents >= -overdraft;
            if (!allowed) {
              expect(res.status).toBe(400);
              expect(res.json).toEqual({ error: { code: "insufficient_funds", message: "Insufficient funds" } });
              continue;
            }
            expect(res.status).toBe(200);
            balance += s.kind === "add" ? s.cents : -s.cents;
            count++;
            expect(cents(s.kind === "add" ? res.json.updated_balance : res.json.new_balance)).toBe(balance);
            if (key) lastKeyed = { path, body, key, text: res.text };
          }

          const invariant = await ledgerInvariant(t.account.id);
          expect(cents(invariant.balance)).toBe(balance);
          expect(cents(invariant.sum)).toBe(balance);
          expect(invariant.count).toBe(count);
          expect(invariant.lastBalanceAfter === null ? 0 : cents(invariant.lastBalanceAfter)).toBe(balance);
          const listed = await call("GET", `${base}?pageSize=100`, { headers: { api_key: t.key } });
          expect(listed.json.total).toBe(count);
          expect(listed.json.transactions.reduce((sum: number, x: any) => sum + cents(x.amount), 0)).toBe(balance);
        },
      ),
      { numRuns: 15 },
    );
  });
});
