// Spec 003: receipts stored in R2, checked against their bytes, served back as stored.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fileBytes, jpeg, pdf, png } from "./fixtures/files";
import {
  bearer,
  entriesOf,
  INVALID,
  list,
  MB,
  paymentRows,
  receipt,
  record,
  remove,
  storedReceipts,
  workspace,
} from "./fixtures/sms-payments";
import { assertStatus, expectStatus, revokeMemberTokens } from "./helpers";

// ---------- receipts ----------

describe("receipts in R2", () => {
  it.each([
    ["image/png", "scan.png", png(4096, 7)],
    ["image/jpeg", "photo.JPG", jpeg(3000)],
    ["application/pdf", "virement", pdf(10_000)],
  ])("round-trips a %s receipt byte for byte", async (type, filename, bytes) => {
    const w = await workspace();
    const res = await record(w.id, w.writer.token, {
      amount: "20",
      paymentMethod: "card",
      receipt: { filename, type, bytes },
    });
    assertStatus(res, 201);
    const { url, path, sizeBytes } = res.json.receiptImage!;
    expect(sizeBytes).toBe(bytes.byteLength);
    expect(path.startsWith(`sms-payments/${w.id}/${res.json.id}/`)).toBe(true);
    const object = await env.RECEIPTS.get(path);
    expect(object?.size).toBe(bytes.byteLength);
    expect(object?.httpMetadata?.contentType).toBe(type);
    await object?.arrayBuffer();

    const download = await SELF.fetch(url, { headers: bearer(w.reader.token) });
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe(type);
    expect(download.headers.get("content-length")).toBe(String(bytes.byteLength));
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);
  });

  it("names the object from a sanitised filename with the right extension", async () => {
    const w = await workspace();
    const res = await record(w.id, w.owner.token, {
      amount: "1",
      paymentMethod: "cash",
      receipt: { filename: "../../etc/pass wd", type: "application/pdf", bytes: pdf() },
    });
    assertStatus(res, 201);
    expect(res.json.receiptImage!.path).toBe(`sms-payments/${w.id}/${res.json.id}/pass_wd.pdf`);
  });

  it("accepts a receipt of exactly 5 MB", async () => {
    const w = await workspace();
    const res = await record(w.id, w.owner.token, {
      amount: "1",
      paymentMethod: "cash",
      receipt: { filename: "big.png", type: "image/png", bytes: png(5 * MB) },
    });
    assertStatus(res, 201);
    expect(res.json.receiptImage!.sizeBytes).toBe(5 * MB);
    await (await receipt(w.id, w.owner.token, res.json.id)).arrayBuffer();
  });

  it.each([
    ["a receipt over 5 MB", { filename: "big.png", type: "image/png", bytes: png(5 * MB + 1) }, "5 MB"],
    ["a request over 6 MB", { filename: "huge.png", type: "image/png", bytes: png(7 * MB) }, "5 MB"],
    ["a GIF", { filename: "r.gif", type: "image/gif", bytes: fileBytes([0x47, 0x49, 0x46, 0x38], 500) }, "receipt"],
    [
      "text declared as text/plain",
      { filename: "r.txt", type: "text/plain", bytes: new TextEncoder().encode("hi") },
      "receipt",
    ],
    ["a PDF declared as image/png", { filename: "r.png", type: "image/png", bytes: pdf() }, "receipt"],
    [
      "HTML declared as application/pdf",
      { filename: "r.pdf", type: "application/pdf", bytes: new TextEncoder().encode("<html>") },
      "receipt",
    ],
    ["an empty file", { filename: "r.png", type: "image/png", bytes: new Uint8Array(0) }, "receipt"],
  ])("answers 400 for %s: nothing in R2, the ledger or the list", async (_, file, problem) => {
    const w = await workspace();
    const res = await record(w.id, w.owner.token, { amount: "9", paymentMethod: "cash", receipt: file });
    assertStatus(res, 400);
    expect(res.json).toEqual({ error: { code: "bad_request", message: expect.stringContaining(problem) } });
    expect(await storedReceipts(w.id)).toEqual([]);
    expect(await entriesOf(w.accountId)).toEqual([]);
    expect(expectStatus(await list(w.id, w.owner.token), 200).pagination.total).toBe(0);
  });

  it("removes the uploaded object when the transaction does not commit", async () => {
    const w = await workspace();
    const t = w.owner.token;
    // Revoked after the edge check would pass: simulate KV lag so the edge lets the token through,
    // then the insert's token_version re-check refuses it and the transaction rolls back.
    await revokeMemberTokens(w.owner.id);
    await env.EDGE_KV.put(`member:${w.owner.id}`, JSON.stringify({ token_version: 0 }));
    const res = await record(w.id, t, {
      amount: "9",
      paymentMethod: "cash",
      receipt: { filename: "r.png", type: "image/png", bytes: png() },
    });
    assertStatus(res, 401);
    expect(res.json).toEqual(INVALID);
    expect(await storedReceipts(w.id)).toEqual([]);
    expect(await entriesOf(w.accountId)).toEqual([]);
    expect(await paymentRows(w.id)).toEqual([]);
  });

  it("answers 404 for a payment without receipt, an unknown id, a malformed id and a deleted payment", async () => {
    const w = await workspace();
    const plain = await record(w.id, w.owner.token, { amount: "1", paymentMethod: "cash" });
    assertStatus(plain, 201);
    const withReceipt = await record(w.id, w.owner.token, {
      amount: "1",
      paymentMethod: "cash",
      receipt: { filename: "r.png", type: "image/png", bytes: png() },
    });
    assertStatus(withReceipt, 201);
    expect((await remove(w.id, w.owner.token, withReceipt.json.id)).status).toBe(204);
    for (const id of [plain.json.id, "0123456789abcdef01234567", "nope", withReceipt.json.id]) {
      const res = await receipt(w.id, w.owner.token, id);
      expect(res.status, id).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "not_found", message: "Receipt not found" } });
    }
  });
});
