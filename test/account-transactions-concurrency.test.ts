// Spec 002 under concurrency: parallel add-funds and record-usage on one account, with idempotent
// retries and usage bound to fail. Expected values come from the successful responses, in integer cents.
import { describe, expect, it } from "vitest";
import { addFunds, list, recordUsage } from "./fixtures/account-transactions";
import { expectStatus, hasStatus, ledgerInvariant, type Permission, query, sql, tenant } from "./helpers";

const ALL: Permission[] = ["transactions.read", "funds.write", "usage.write"];

/** Exact cents of a decimal rendering ("12.3", "-0.05", "100.0000"); never float arithmetic. */
function cents(value: number | string): number {
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`not a plain decimal: ${text}`);
  const [, sign, int = "0", frac = ""] = match;
  if (/[1-9]/.test(frac.slice(2))) throw new Error(`finer than cents: ${text}`);
  const n = Number(int) * 100 + Number(frac.padEnd(2, "0").slice(0, 2));
  return sign ? -n : n;
}
const decimal = (c: number) => `${Math.trunc(c / 100)}.${String(c % 100).padStart(2, "0")}`;

/** Deterministic pseudo-random integers (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  let a = seed;
  return (min: number, max: number) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return min + (((t ^ (t >>> 14)) >>> 0) % (max - min + 1));
  };
}

type Op = { kind: "add" | "usage"; cents: number; key?: string };

/**
 * add-funds or record-usage as `op` says; with the new balance its 200 answer names (`updated_balance`,
 * `new_balance`), add-funds' transaction id, and the error code of a 400 (undefined where absent).
 */
async function send(accountId: string, apiKey: string, op: Op) {
  const headers: Record<string, string> = op.key ? { "Idempotency-Key": op.key } : {};
  const amount = decimal(op.cents);
  if (op.kind === "add") {
    const res = await addFunds(accountId, apiKey, `{"amount": ${amount}}`, headers);
    const ok = hasStatus(res, 200) ? res.json : undefined;
    const errorCode = hasStatus(res, 400) ? res.json.error.code : undefined;
    return { ...res, balance: ok?.updated_balance, transactionId: ok?.transaction_id, errorCode };
  }
  const body = `{"details": "burst", "amount": ${amount}, "date": "2026-01-01 00:00:00", "metadata": {"c": ${op.cents}}}`;
  const res = await recordUsage(accountId, apiKey, body, headers);
  const errorCode = hasStatus(res, 400) ? res.json.error.code : undefined;
  return {
    ...res,
    balance: hasStatus(res, 200) ? res.json.new_balance : undefined,
    transactionId: undefined,
    errorCode,
  };
}
/** Exact cents of an answer's balance, which must be there. */
const balanceCents = (res: { balance: number | undefined; text: string }) => {
  if (res.balance === undefined) throw new Error(`no balance in ${res.text}`);
  return cents(res.balance);
};

async function rows(accountId: string) {
  return query<{ id: number; amount: string; balance_after: string; source: string; type: string; chain_ok: boolean }>(
    sql`SELECT id::int AS id, amount::text AS amount, balance_after::text AS balance_after, source, type,
          balance_after = coalesce(lag(balance_after) OVER (ORDER BY id), 0) + amount AS chain_ok
        FROM ledger_entries WHERE account_id = ${accountId} ORDER BY id`,
  );
}

describe("account ledger under concurrency", () => {
  it("matches the successful responses exactly after ~60 parallel writes with retries and refusals", async () => {
    const t = await tenant(ALL);
    const next = rng(20260627);
    const ops: Op[] = [];
    for (let i = 0; i < 20; i++) {
      const op: Op = { kind: "add", cents: next(1000, 2999), key: i < 6 ? `add-${i}` : undefined };
      ops.push(...Array.from({ length: op.key ? 3 : 1 }, () => op));
    }
    for (let i = 0; i < 22; i++) {
      const op: Op = { kind: "usage", cents: next(1500, 3999), key: i < 6 ? `use-${i}` : undefined };
      ops.push(...Array.from({ length: op.key ? 2 : 1 }, () => op));
    }
    for (let i = ops.length - 1; i > 0; i--) {
      const j = next(0, i);
      [ops[i], ops[j]] = [ops[j]!, ops[i]!];
    }
    expect(ops).toHaveLength(60);

    const responses = await Promise.all(ops.map((op) => send(t.account.id, t.key, op)));
    // Then every keyed request once more, after the storm: a replay whenever its key has an original.
    const keyed = [...new Set(ops.filter((op) => op.key))];
    for (const op of keyed) {
      ops.push(op);
      responses.push(await send(t.account.id, t.key, op));
    }
    const results = ops.map((op, i) => {
      const res = responses[i]!;
      return { op, res, replayed: res.headers.get("idempotent-replayed") === "true" };
    });

    // Every answer is one the contract allows.
    for (const { op, res, replayed } of results) {
      if (res.status === 200) continue;
      if (res.status === 409) {
        expect(op.key).toBeDefined();
        expect(replayed).toBe(false);
      } else {
        // A refusal for insufficient funds; with a key it is stored, so its retries replay it.
        expect(op.kind).toBe("usage");
        expect(res.status).toBe(400);
        expect(res.json).toEqual({ error: { code: "insufficient_funds", message: "Insufficient funds" } });
        if (replayed) expect(op.key).toBeDefined();
      }
    }

    // Per Idempotency-Key: one original answer at most (a posting or a refusal), replays repeat it,
    // keyed add-funds always land once.
    const groups = new Map<string, typeof results>();
    for (const r of results) if (r.op.key) groups.set(r.op.key, [...(groups.get(r.op.key) ?? []), r]);
    for (const [key, group] of groups) {
      const originals = group.filter((r) => (r.res.status === 200 || r.res.status === 400) && !r.replayed);
      expect(originals.length).toBeLessThanOrEqual(1);
      if (key.startsWith("add-")) expect(originals.map((r) => r.res.status)).toEqual([200]);
      for (const r of group.filter((x) => x.replayed)) expect(r.res.text).toBe(originals[0]!.res.text);
      if (originals.length === 1 && group.indexOf(originals[0]!) < group.length - 1) {
        expect(group[group.length - 1]!.replayed).toBe(true);
      }
    }

    const posted = results.filter((r) => r.res.status === 200 && !r.replayed);
    const adds = posted.filter((r) => r.op.kind === "add");
    const uses = posted.filter((r) => r.op.kind === "usage");
    const expectedBalance = adds.reduce((s, r) => s + r.op.cents, 0) - uses.reduce((s, r) => s + r.op.cents, 0);
    expect(results.some((r) => r.res.status === 400)).toBe(true);

    const invariant = await ledgerInvariant(t.account.id);
    expect(cents(invariant.balance)).toBe(expectedBalance);
    expect(cents(invariant.sum)).toBe(expectedBalance);
    expect(invariant.count).toBe(posted.length);

    const ledger = await rows(t.account.id);
    expect(ledger).toHaveLength(posted.length);
    for (const row of ledger) {
      expect(row.source).toBe("api");
      expect(row.chain_ok).toBe(true);
      expect(cents(row.balance_after)).toBeGreaterThanOrEqual(0);
    }
    const byId = new Map(ledger.map((row) => [`txn_${row.id}`, row]));
    for (const { op, res } of adds) {
      const row = byId.get(res.transactionId ?? "none")!;
      expect(row.type).toBe("recharge");
      expect(cents(row.amount)).toBe(op.cents);
      expect(cents(row.balance_after)).toBe(balanceCents(res));
    }
    const usageRows = ledger
      .filter((row) => row.type === "usage")
      .map((row) => `${cents(row.amount)}@${cents(row.balance_after)}`)
      .sort();
    const usageAnswers = uses.map((r) => `${-r.op.cents}@${balanceCents(r.res)}`).sort();
    expect(usageRows).toEqual(usageAnswers);

    const listed = expectStatus(await list(t.account.id, t.key, "?pageSize=100"), 200);
    expect(listed.total).toBe(posted.length);
    expect(listed.transactions.reduce((s, x) => s + cents(x.amount), 0)).toBe(expectedBalance);
  });

  it("lets racing usage reach the overdraft limit exactly and never beyond", async () => {
    const t = await tenant(ALL, { currency: "EUR", overdraft_limit: 20 });
    const funded = await send(t.account.id, t.key, { kind: "add", cents: 10000 });
    expect(funded.balance).toBe(100);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => send(t.account.id, t.key, { kind: "usage", cents: 1000 })),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 400);
    expect(ok).toHaveLength(12);
    expect(refused).toHaveLength(18);
    for (const r of refused) expect(r.errorCode).toBe("insufficient_funds");
    // Each success saw a different balance: no two debits read the same starting point.
    expect(ok.map((r) => balanceCents(r)).sort((a, b) => b - a)).toEqual(
      Array.from({ length: 12 }, (_, i) => 9000 - i * 1000),
    );
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "-20.0000", sum: "-20.0000", count: 13 });
    const ledger = await rows(t.account.id);
    expect(ledger.every((row) => row.chain_ok && cents(row.balance_after) >= -2000)).toBe(true);
  });

  it("loses no update among parallel add-funds", async () => {
    const t = await tenant(ALL);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => send(t.account.id, t.key, { kind: "add", cents: i + 1 })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const balances = results.map((r) => balanceCents(r));
    expect(new Set(balances).size).toBe(40);
    expect(Math.max(...balances)).toBe(820);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "8.2000", sum: "8.2000", count: 40 });
  });
});
