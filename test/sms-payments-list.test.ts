// Spec 003: the list contract exactly as the spec (fields, order, pagination).
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { type PaymentRow, paymentColumns, paymentToJson } from "../src/apis/sms-payments/queries";
import { RECEIPT_LINK_TTL_MINUTES, receiptLinkSigner, withReceiptLink } from "../src/apis/sms-payments/receipts";
import { png } from "./fixtures/files";
import type { Fields } from "./fixtures/multipart";
import { HEX24, ISO_MS, list, record, remove, unsigned, workspace } from "./fixtures/sms-payments";
import { assertStatus, expectStatus, query, sql } from "./helpers";

const ORIGIN = "https://api.test";

// ---------- contract ----------

describe("GET /api/v1/workspace/:workspaceId/sms/payments: contract", () => {
  let w: Awaited<ReturnType<typeof workspace>>;
  beforeAll(async () => {
    w = await workspace();
  });

  it("answers an empty page with the default pagination", async () => {
    const res = await list(w.id, w.owner.token);
    assertStatus(res, 200);
    expect(res.json).toEqual({ payments: [], pagination: { total: 0, limit: 50, offset: 0, hasMore: false } });
  });

  it("records payments and lists them newest first with every field exactly as the spec", async () => {
    const full = await record(w.id, w.owner.token, {
      amount: "50.00",
      paymentMethod: "bank-transfer",
      description: "SMS payment for January 2025",
      notes: "Payment received",
      paymentDate: "2025-01-15T10:30:00Z",
      receipt: { filename: "janvier reçu.png", type: "image/png", bytes: png(50_000) },
    });
    assertStatus(full, 201);
    const id = full.json.id as string;
    expect(id).toMatch(HEX24);
    expect(full.json).toEqual({
      id,
      workspaceId: w.id,
      amount: 50,
      paymentMethod: "bank-transfer",
      description: "SMS payment for January 2025",
      notes: "Payment received",
      paymentDate: "2025-01-15T10:30:00.000Z",
      receiptImage: {
        url: expect.stringMatching(
          new RegExp(
            `^https://api\\.test/api/v1/workspace/${w.id}/sms/payments/${id}/receipt/janvier_recu\\.png` +
              `\\?member=${w.owner.id}&version=0&expires=\\d+&signature=[A-Za-z0-9_-]{43}$`,
          ),
        ),
        path: `sms-payments/${w.id}/${id}/janvier_recu.png`,
        sizeBytes: 50_000,
      },
      createdAt: expect.stringMatching(ISO_MS),
      updatedAt: expect.stringMatching(ISO_MS),
    });
    expect(full.json.updatedAt).toBe(full.json.createdAt);

    const minimal = await record(w.id, w.owner.token, { amount: "12.5", paymentMethod: "cash" });
    assertStatus(minimal, 201);
    expect(minimal.json).toEqual({
      id: expect.stringMatching(HEX24),
      workspaceId: w.id,
      amount: 12.5,
      paymentMethod: "cash",
      description: null,
      notes: null,
      paymentDate: null,
      receiptImage: null,
      createdAt: expect.stringMatching(ISO_MS),
      updatedAt: expect.stringMatching(ISO_MS),
    });

    const res = await list(w.id, w.owner.token);
    assertStatus(res, 200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.json).toEqual({
      payments: [minimal.json, unsigned(full.json)],
      pagination: { total: 2, limit: 50, offset: 0, hasMore: false },
    });
    expect(Object.keys(res.json.payments[0]!)).toEqual([
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
    ]);
  });

  it.each([
    ["?limit=0", "limit"],
    ["?limit=101", "limit"],
    ["?limit=abc", "limit"],
    ["?limit=1.5", "limit"],
    ["?limit=", "limit"],
    ["?limit=1e1", "limit"],
    ["?limit=1&limit=2", "limit"],
    ["?offset=-1", "offset"],
    ["?offset=x", "offset"],
    ["?limit=0&page=1", "limit"],
  ])("answers 400 for %s in the surface's error body", async (qs, field) => {
    const res = await list(w.id, w.owner.token, qs);
    assertStatus(res, 400);
    expect(res.json).toEqual({ error: { code: "bad_request", message: expect.stringContaining(field) } });
  });
});

describe("rendering (PostgreSQL writes the page, the worker fills in the receipt links)", () => {
  it("answers each page byte for byte as JSON.stringify of the rows mapped as before", async () => {
    const w = await workspace();
    const texts = [
      'quote " backslash \\ slash / tab \t newline \n end',
      "controls \u0001 \u001f \u007f, é, 中文, emoji 😀, </script>, \u2028 \u2029 end",
      undefined,
    ];
    const amounts = ["500", "0.35", "12.5", "98765432109.87", "10.10", "1"];
    for (const [a, amount] of amounts.entries()) {
      for (const [d, description] of texts.entries()) {
        const fields: Fields = { amount, paymentMethod: "card" };
        if (description) fields.description = description;
        const notes = texts[(a + d + 1) % texts.length];
        if (notes) fields.notes = notes;
        if ((a + d) % 2 === 0) fields.paymentDate = `2025-01-${String(a + 10)}T10:30:0${d}.${a}${d}7Z`;
        if ((a + d) % 3 === 0)
          fields.receipt = { filename: `reçu ${a}-${d}.png`, type: "image/png", bytes: png(100 + a) };
        assertStatus(await record(w.id, w.owner.token, fields), 201);
      }
    }
    const deleted = await record(w.id, w.owner.token, { amount: "7", paymentMethod: "cash" });
    assertStatus(deleted, 201);
    assertStatus(await remove(w.id, w.owner.token, deleted.json.id), 204);

    // The answer as the handler used to build it: the rows in the list's columns, mapped by paymentToJson
    // with a signed link, then c.json. Every link of one answer expires at the same second: the expected
    // ones are signed as of then.
    const rows = await query<PaymentRow>(sql`
      SELECT ${paymentColumns} FROM sms_payments s WHERE workspace_id = ${w.id} AND deleted_at IS NULL
      ORDER BY s.created_at DESC, s.id DESC`);
    expect(rows).toHaveLength(amounts.length * texts.length);
    const asBefore = async (res: Awaited<ReturnType<typeof list>>, limit: number, offset: number) => {
      const link = expectStatus(res, 200).payments.find((p) => p.receiptImage)?.receiptImage?.url ?? "";
      const expires = Number(new URL(link).searchParams.get("expires"));
      const now = (expires - RECEIPT_LINK_TTL_MINUTES * 60) * 1000;
      const sign = await receiptLinkSigner(
        env.WORKSPACE_TOKEN_SECRET,
        ORIGIN,
        { id: w.reader.id, tokenVersion: 0 },
        now,
      );
      const page = rows.slice(offset, offset + limit);
      const payments = await Promise.all(page.map((row) => withReceiptLink(paymentToJson(row, ORIGIN), sign)));
      const pagination = { total: rows.length, limit, offset, hasMore: offset + page.length < rows.length };
      return JSON.stringify({ payments, pagination });
    };
    const whole = await list(w.id, w.reader.token, "?limit=100");
    expect(whole.headers.get("content-type")).toBe("application/json");
    const listed = expectStatus(whole, 200).payments;
    expect(listed.filter((p) => p.receiptImage)).toHaveLength(6);
    expect(listed.map((p) => p.amount)).toContain(98765432109.87);
    expect(whole.text).toBe(await asBefore(whole, 100, 0));
    const middle = await list(w.id, w.reader.token, "?limit=5&offset=5");
    expect(middle.text).toBe(await asBefore(middle, 5, 5));
    const last = await list(w.id, w.reader.token, "?limit=5&offset=15");
    expect(last.text).toBe(await asBefore(last, 5, 15));
  });
});

describe("pagination", () => {
  it("pages with limit and offset: total, hasMore, and an offset past the end", async () => {
    const w = await workspace();
    const ids: string[] = [];
    for (const amount of ["1", "2", "3"]) {
      const res = await record(w.id, w.owner.token, { amount, paymentMethod: "card" });
      assertStatus(res, 201);
      ids.unshift(res.json.id);
    }
    const first = await list(w.id, w.reader.token, "?limit=2");
    assertStatus(first, 200);
    expect(first.json.payments.map((p: { id: string }) => p.id)).toEqual(ids.slice(0, 2));
    expect(first.json.pagination).toEqual({ total: 3, limit: 2, offset: 0, hasMore: true });
    const second = await list(w.id, w.reader.token, "?limit=2&offset=2");
    assertStatus(second, 200);
    expect(second.json.payments.map((p: { id: string }) => p.id)).toEqual(ids.slice(2));
    expect(second.json.pagination).toEqual({ total: 3, limit: 2, offset: 2, hasMore: false });
    const past = await list(w.id, w.reader.token, "?offset=10&limit=100");
    assertStatus(past, 200);
    expect(past.json).toEqual({ payments: [], pagination: { total: 3, limit: 100, offset: 10, hasMore: false } });
    const middle = await list(w.id, w.reader.token, "?limit=1&offset=1");
    assertStatus(middle, 200);
    expect(middle.json.payments.map((p: { amount: number }) => p.amount)).toEqual([2]);
    expect(middle.json.pagination.hasMore).toBe(true);
  });
});
