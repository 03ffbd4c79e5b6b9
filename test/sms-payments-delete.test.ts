// Spec 003: deleting a payment posts its reversal and hides it; deleting again is a 404.
import { describe, expect, it } from "vitest";
import { entriesOf, list, paymentRows, record, remove, workspace } from "./fixtures/sms-payments";
import { assertStatus, ledgerInvariant } from "./helpers";

// ---------- deletion ----------

describe("DELETE .../sms/payments/:id", () => {
  it("posts a reversal, hides the payment and keeps every ledger row; a second delete is 404", async () => {
    const w = await workspace();
    const keep = await record(w.id, w.owner.token, { amount: "10", paymentMethod: "cash" });
    assertStatus(keep, 201);
    const gone = await record(w.id, w.owner.token, { amount: "40.5", paymentMethod: "card" });
    assertStatus(gone, 201);
    const res = await remove(w.id, w.owner.token, gone.json.id);
    assertStatus(res, 204);
    expect(res.text).toBe("");

    const entries = await entriesOf(w.accountId);
    expect(entries.map(({ id: _, ...e }) => e)).toEqual([
      expect.objectContaining({ amount: "10.0000", type: "deposit" }),
      expect.objectContaining({ amount: "40.5000", type: "deposit" }),
      {
        amount: "-40.5000",
        source: "portal",
        type: "reversal",
        description: `Reversal of SMS payment ${gone.json.id}`,
        external_ref: gone.json.id,
      },
    ]);
    const rows = await paymentRows(w.id);
    const deleted = rows.find((r) => r.id === gone.json.id);
    expect(deleted?.deleted_at).not.toBeNull();
    expect(deleted?.reversal_entry_id).toBe(entries[2]?.id);
    expect(rows.find((r) => r.id === keep.json.id)?.deleted_at).toBeNull();
    expect(await ledgerInvariant(w.accountId)).toMatchObject({ balance: "10.0000", sum: "10.0000", count: 3 });

    const after = await list(w.id, w.owner.token);
    assertStatus(after, 200);
    expect(after.json.payments.map((p: { id: string }) => p.id)).toEqual([keep.json.id]);
    expect(after.json.pagination.total).toBe(1);

    const again = await remove(w.id, w.owner.token, gone.json.id);
    assertStatus(again, 404);
    expect(again.json).toEqual({ error: { code: "not_found", message: "Payment not found" } });
    expect(await entriesOf(w.accountId)).toHaveLength(3);
  });

  it("reverses exactly once when two deletes race", async () => {
    const w = await workspace();
    const p = await record(w.id, w.owner.token, { amount: "5", paymentMethod: "cash" });
    assertStatus(p, 201);
    const results = await Promise.all([1, 2, 3].map(() => remove(w.id, w.owner.token, p.json.id)));
    expect(results.map((r) => r.status).sort()).toEqual([204, 404, 404]);
    expect(await ledgerInvariant(w.accountId)).toMatchObject({ balance: "0.0000", sum: "0.0000", count: 2 });
  });

  it("answers 404 for unknown and malformed ids", async () => {
    const w = await workspace();
    for (const id of ["0123456789abcdef01234567", "not-an-id"]) {
      const res = await remove(w.id, w.owner.token, id);
      assertStatus(res, 404);
      expect(res.json.error.code).toBe("not_found");
    }
  });
});
