// Spec 003: recording a payment (multipart, one ledger credit) and its Idempotency-Key.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { png } from "./fixtures/files";
import type { Fields } from "./fixtures/multipart";
import {
  base,
  bearer,
  entriesOf,
  member,
  paymentRows,
  record,
  storedReceipts,
  workspace,
} from "./fixtures/sms-payments";
import {
  assertStatus,
  callRouteUnchecked,
  createAccount,
  createWorkspace,
  ledgerInvariant,
  routes,
  suspend,
} from "./helpers";

// ---------- recording ----------

describe("POST .../sms/payments: recording and the ledger", () => {
  it("credits the workspace's account once per payment, source portal, type deposit", async () => {
    const w = await workspace();
    const a = await record(w.id, w.writer.token, { amount: "50.00", paymentMethod: "bank-transfer" });
    assertStatus(a, 201);
    const b = await record(w.id, w.both.token, { amount: "0.05", paymentMethod: "other" });
    assertStatus(b, 201);
    expect([a.status, b.status]).toEqual([201, 201]);
    const entries = await entriesOf(w.accountId);
    expect(entries.map(({ id: _, ...e }) => e)).toEqual([
      {
        amount: "50.0000",
        source: "portal",
        type: "deposit",
        description: `SMS payment ${a.json.id} (bank-transfer)`,
        external_ref: a.json.id,
      },
      {
        amount: "0.0500",
        source: "portal",
        type: "deposit",
        description: `SMS payment ${b.json.id} (other)`,
        external_ref: b.json.id,
      },
    ]);
    const rows = await paymentRows(w.id);
    expect(rows.map((r) => r.ledger_entry_id)).toEqual(entries.map((e) => e.id));
    const inv = await ledgerInvariant(w.accountId);
    expect(inv).toMatchObject({ balance: "50.0500", sum: "50.0500", count: 2 });
  });

  it("credits the oldest account not suspended in the SMS currency (its oldest account's), else 409", async () => {
    const ws = await createWorkspace();
    const older = await createAccount(ws.id, { currency: "EUR" });
    const other = await createAccount(ws.id, { currency: "XOF" });
    const newer = await createAccount(ws.id, { currency: "EUR" });
    const owner = await member(ws.id, "owner");
    await suspend(older.id);
    // The SMS currency stays EUR, the oldest account's, suspended or not: the newer EUR account is credited.
    const ok = await record(ws.id, owner.token, { amount: "1.5", paymentMethod: "cash" });
    assertStatus(ok, 201);
    expect(Object.keys(ok.json).sort()).toEqual(
      [
        "id",
        "workspaceId",
        "amount",
        "paymentMethod",
        "description",
        "notes",
        "paymentDate",
        "receiptImage",
        "createdAt",
        "updatedAt",
      ].sort(),
    );
    expect(ok.json.amount).toBe(1.5);
    const balances = async () =>
      Promise.all([older, other, newer].map(async (a) => (await ledgerInvariant(a.id)).balance));
    expect(await balances()).toEqual(["0.0000", "0.0000", "1.5000"]);

    // Every EUR account suspended: refused, and the XOF account is never credited.
    await suspend(newer.id);
    const none = await record(ws.id, owner.token, { amount: "1500", paymentMethod: "cash" });
    expect({ status: none.status, json: none.json }).toEqual({
      status: 409,
      json: {
        error: {
          code: "conflict",
          message: "The workspace has no account to credit in its SMS currency (all are suspended, or none exists)",
        },
      },
    });
    expect(await balances()).toEqual(["0.0000", "0.0000", "1.5000"]);
    expect((await ledgerInvariant(other.id)).count).toBe(0);

    const empty = await createWorkspace();
    const emptyOwner = await member(empty.id, "owner");
    const nothing = await record(empty.id, emptyOwner.token, { amount: "1", paymentMethod: "cash" });
    assertStatus(nothing, 409);
    expect(nothing.json.error.code).toBe("conflict");
  });

  it.each([
    [{ amount: "0", paymentMethod: "cash" }, "amount"],
    [{ amount: "-5", paymentMethod: "cash" }, "amount"],
    [{ amount: "abc", paymentMethod: "cash" }, "amount"],
    [{ amount: "1.234", paymentMethod: "cash" }, "decimal places"],
    [{ amount: "10000000000000", paymentMethod: "cash" }, "amount"],
    [{ paymentMethod: "cash" }, "amount"],
    [{ amount: "5", paymentMethod: "cheque" }, "paymentMethod"],
    [{ amount: "5" }, "paymentMethod"],
    [{ amount: "5", paymentMethod: "cash", notes: "x".repeat(1001) }, "notes"],
    [{ amount: "5", paymentMethod: "cash", description: "x".repeat(1001) }, "description"],
    [{ amount: "5", paymentMethod: "cash", paymentDate: "yesterday" }, "paymentDate"],
    [{ amount: "5", paymentMethod: "cash", paymentDate: "2025-02-30T10:00:00Z" }, "paymentDate"],
    [{ amount: "5", paymentMethod: "cash", paymentDate: "1969-12-31T23:59:59Z" }, "paymentDate"],
    [{ amount: "5", paymentMethod: "cash", receipt: "not a file" }, "receipt"],
    [{ amount: "5", paymentMethod: "cash", currency: "EUR" }, "currency"],
  ] as [Fields, string][])("answers 400 for %j, stores nothing", async (fields, problem) => {
    const w = await workspace();
    const res = await record(w.id, w.owner.token, fields);
    assertStatus(res, 400);
    expect(res.json).toEqual({ error: { code: "bad_request", message: expect.stringContaining(problem) } });
    expect(await entriesOf(w.accountId)).toEqual([]);
    expect(await paymentRows(w.id)).toEqual([]);
  });

  it("accepts a date-only paymentDate and an offset, stored as UTC with milliseconds", async () => {
    const w = await workspace();
    const day = await record(w.id, w.owner.token, { amount: "1", paymentMethod: "cash", paymentDate: "2025-01-15" });
    assertStatus(day, 201);
    expect(day.json.paymentDate).toBe("2025-01-15T00:00:00.000Z");
    const offset = await record(w.id, w.owner.token, {
      amount: "1",
      paymentMethod: "cash",
      paymentDate: "2025-01-15T12:30:00.250+02:00",
    });
    assertStatus(offset, 201);
    expect(offset.json.paymentDate).toBe("2025-01-15T10:30:00.250Z");
  });

  it("answers 400 (not 500) for a JSON body or a malformed multipart body", async () => {
    const w = await workspace();
    const asJson = await callRouteUnchecked(
      routes.smsPayments.createPayment,
      { params: { workspaceId: w.id }, body: { amount: "5", paymentMethod: "cash" } },
      bearer(w.owner.token),
    );
    assertStatus(asJson, 400);
    expect(asJson.json.error.code).toBe("bad_request");
    const broken = await SELF.fetch(`https://api.test${base(w.id)}`, {
      method: "POST",
      headers: { ...bearer(w.owner.token), "content-type": "multipart/form-data; boundary=abc" },
      body: "this is not multipart",
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    expect(await entriesOf(w.accountId)).toEqual([]);
  });
});

// ---------- idempotency ----------

describe("Idempotency-Key on the multipart POST", () => {
  const fields = (bytes: Uint8Array, amount = "75.25"): Fields => ({
    amount,
    paymentMethod: "bank-transfer",
    description: "retry me",
    receipt: { filename: "r.png", type: "image/png", bytes },
  });

  it("replays a retry with a different boundary: one payment, one ledger credit, one object", async () => {
    const w = await workspace();
    const key = { "idempotency-key": `retry-${crypto.randomUUID()}` };
    const bytes = png(8000, 3);
    const first = await record(w.id, w.owner.token, fields(bytes), { boundary: "boundary-one", headers: key });
    const second = await record(w.id, w.owner.token, fields(bytes), { boundary: "another-boundary-2", headers: key });
    assertStatus(first, 201);
    assertStatus(second, 201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    // The replay renders the stored payment again: its receipt link is signed as of the replay, so only
    // the link's expiry and signature may differ (by the second the two requests straddle, if any).
    const unsigned = (url: string | undefined) => url?.replace(/&expires=\d+&signature=[^&]+$/, "");
    const expiry = (url: string | undefined) => Number(new URL(url ?? "", "https://x").searchParams.get("expires"));
    const [a, b] = [first.json.receiptImage, second.json.receiptImage];
    expect({ ...second.json, receiptImage: { ...b, url: unsigned(b?.url) } }).toEqual({
      ...first.json,
      receiptImage: { ...a, url: unsigned(a?.url) },
    });
    expect(unsigned(a?.url)).not.toBe(a?.url);
    expect(expiry(b?.url)).toBeGreaterThanOrEqual(expiry(a?.url));
    expect((await entriesOf(w.accountId)).map((e) => e.amount)).toEqual(["75.2500"]);
    expect((await paymentRows(w.id)).map((r) => r.id)).toEqual([first.json.id]);
    expect(await storedReceipts(w.id)).toEqual([{ key: first.json.receiptImage!.path, size: 8000 }]);
    expect(await ledgerInvariant(w.accountId)).toMatchObject({ balance: "75.2500", sum: "75.2500", count: 1 });
  });

  it("answers 422 when the key is reused with other fields or another file, storing nothing more", async () => {
    const w = await workspace();
    const key = { "idempotency-key": `reuse-${crypto.randomUUID()}` };
    const first = await record(w.id, w.owner.token, fields(png(1000, 1)), { headers: key });
    assertStatus(first, 201);
    for (const other of [fields(png(1000, 1), "75.26"), fields(png(1000, 2))]) {
      const res = await record(w.id, w.owner.token, other, { headers: key });
      assertStatus(res, 422);
      expect(res.json.error.code).toBe("unprocessable");
    }
    expect(await entriesOf(w.accountId)).toHaveLength(1);
    expect(await storedReceipts(w.id)).toHaveLength(1);
  });

  it("answers 400 for a malformed key", async () => {
    const w = await workspace();
    const res = await record(
      w.id,
      w.owner.token,
      { amount: "1", paymentMethod: "cash" },
      {
        headers: { "idempotency-key": "x".repeat(256) },
      },
    );
    assertStatus(res, 400);
    expect(await entriesOf(w.accountId)).toEqual([]);
  });
});
