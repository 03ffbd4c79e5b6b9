// Spec 003: Workspace SMS payments. The list contract exactly as the spec, recording (multipart, receipt
// in R2, one ledger credit, idempotency), deletion (reversal), roles and permissions, other workspaces.
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../functions/index";
import { renderWorkspaceError } from "../src/apis/sms-payments";
import { AppError } from "../src/lib/errors";
import { admin, call, createAccount, createWorkspace, ledgerInvariant, query, sql } from "./helpers";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HEX24 = /^[0-9a-f]{24}$/;
const INVALID = { error: { code: "unauthorized", message: "Missing or invalid authentication token" } };
const NO_WORKSPACE = { error: { code: "not_found", message: "Workspace not found" } };
const MB = 1024 * 1024;

// ---------- fixtures ----------

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff, 0xe0];
const PDF_MAGIC = [...new TextEncoder().encode("%PDF-1.7\n")];

function fileBytes(magic: number[], size: number, seed = 0) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) % 251;
  bytes.set(magic.slice(0, size));
  return bytes;
}
const png = (size = 2048, seed = 0) => fileBytes(PNG_MAGIC, size, seed);
const jpeg = (size = 2048) => fileBytes(JPEG_MAGIC, size);
const pdf = (size = 2048) => fileBytes(PDF_MAGIC, size);

type FilePart = { filename: string; type: string; bytes: Uint8Array };
type Fields = Record<string, string | FilePart>;

function multipart(fields: Fields, boundary: string) {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === "string") {
      chunks.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    } else {
      chunks.push(
        enc.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\n` +
            `Content-Type: ${value.type}\r\n\r\n`,
        ),
        value.bytes,
        enc.encode("\r\n"),
      );
    }
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

const base = (ws: string) => `/api/v1/workspace/${ws}/sms/payments`;
const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

async function record(
  ws: string,
  token: string | undefined,
  fields: Fields,
  opts: { boundary?: string; headers?: Record<string, string> } = {},
) {
  const boundary = opts.boundary ?? `----test-${crypto.randomUUID()}`;
  const res = await SELF.fetch(`https://api.test${base(ws)}`, {
    method: "POST",
    headers: {
      "content-type": `multipart/form-data; boundary=${boundary}`,
      ...bearer(token),
      ...opts.headers,
    },
    body: multipart(fields, boundary),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined, text };
}

const list = (ws: string, token: string | undefined, qs = "") =>
  call("GET", `${base(ws)}${qs}`, { headers: bearer(token) });
const remove = (ws: string, token: string | undefined, id: string) =>
  call("DELETE", `${base(ws)}/${id}`, { headers: bearer(token) });
const receipt = (ws: string, token: string | undefined, id: string) =>
  SELF.fetch(`https://api.test${base(ws)}/${id}/receipt`, { headers: bearer(token) });

async function member(ws: string, role: "owner" | "staff", permissions: string[] = []) {
  const created = await admin("POST", `/workspaces/${ws}/members`, {
    email: `${role}-${crypto.randomUUID()}@example.com`,
    role,
    permissions,
  });
  if (created.status !== 201) throw new Error(created.text);
  const issued = await admin("POST", `/members/${created.json.id}/tokens`, {});
  if (issued.status !== 201) throw new Error(issued.text);
  return { id: created.json.id as string, token: issued.json.token as string };
}

/** A workspace with one EUR account, an owner and staff with every combination of permissions. */
async function workspace(currency = "EUR") {
  const ws = await createWorkspace("SMS back office");
  const account = await createAccount(ws.id, { currency });
  const [owner, reader, writer, both, none] = await Promise.all([
    member(ws.id, "owner"),
    member(ws.id, "staff", ["sms_payments.read"]),
    member(ws.id, "staff", ["sms_payments.write"]),
    member(ws.id, "staff", ["sms_payments.read", "sms_payments.write"]),
    member(ws.id, "staff", []),
  ]);
  return { id: ws.id as string, accountId: account.id as string, owner, reader, writer, both, none };
}

/** A payment with its receipt link left open: each answer signs a fresh one (its own expiry). */
const unsigned = (payment: { receiptImage: { url: string } | null }) => ({
  ...payment,
  receiptImage: payment.receiptImage && {
    ...payment.receiptImage,
    url: expect.stringMatching(new RegExp(`^${payment.receiptImage.url.split("?")[0]}\\?member=`)),
  },
});

const entriesOf = (accountId: string) =>
  query<{ id: number; amount: string; source: string; type: string; description: string; external_ref: string }>(sql`
    SELECT id::int AS id, amount::text AS amount, source, type, description, external_ref
    FROM ledger_entries WHERE account_id = ${accountId} ORDER BY id`);

const storedReceipts = async (ws: string) =>
  (await env.RECEIPTS.list({ prefix: `sms-payments/${ws}/` })).objects.map((o) => ({ key: o.key, size: o.size }));

const paymentRows = (ws: string) =>
  query<{ id: string; deleted_at: string | null; ledger_entry_id: number; reversal_entry_id: number | null }>(sql`
    SELECT id, deleted_at::text AS deleted_at, ledger_entry_id::int AS ledger_entry_id,
           reversal_entry_id::int AS reversal_entry_id
    FROM sms_payments WHERE workspace_id = ${ws} ORDER BY created_at`);

// ---------- contract ----------

describe("GET /api/v1/workspace/:workspaceId/sms/payments: contract", () => {
  let w: Awaited<ReturnType<typeof workspace>>;
  beforeAll(async () => {
    w = await workspace();
  });

  it("answers an empty page with the default pagination", async () => {
    const res = await list(w.id, w.owner.token);
    expect(res.status).toBe(200);
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
    expect(full.status).toBe(201);
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
    expect(minimal.status).toBe(201);
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
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.json).toEqual({
      payments: [minimal.json, unsigned(full.json)],
      pagination: { total: 2, limit: 50, offset: 0, hasMore: false },
    });
    expect(Object.keys(res.json.payments[0])).toEqual([
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
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: { code: "bad_request", message: expect.stringContaining(field) } });
  });
});

describe("pagination", () => {
  it("pages with limit and offset: total, hasMore, and an offset past the end", async () => {
    const w = await workspace();
    const ids: string[] = [];
    for (const amount of ["1", "2", "3"]) {
      const res = await record(w.id, w.owner.token, { amount, paymentMethod: "card" });
      expect(res.status).toBe(201);
      ids.unshift(res.json.id);
    }
    const first = await list(w.id, w.reader.token, "?limit=2");
    expect(first.json.payments.map((p: { id: string }) => p.id)).toEqual(ids.slice(0, 2));
    expect(first.json.pagination).toEqual({ total: 3, limit: 2, offset: 0, hasMore: true });
    const second = await list(w.id, w.reader.token, "?limit=2&offset=2");
    expect(second.json.payments.map((p: { id: string }) => p.id)).toEqual(ids.slice(2));
    expect(second.json.pagination).toEqual({ total: 3, limit: 2, offset: 2, hasMore: false });
    const past = await list(w.id, w.reader.token, "?offset=10&limit=100");
    expect(past.status).toBe(200);
    expect(past.json).toEqual({ payments: [], pagination: { total: 3, limit: 100, offset: 10, hasMore: false } });
    const middle = await list(w.id, w.reader.token, "?limit=1&offset=1");
    expect(middle.json.payments.map((p: { amount: number }) => p.amount)).toEqual([2]);
    expect(middle.json.pagination.hasMore).toBe(true);
  });
});

// ---------- recording ----------

describe("POST .../sms/payments: recording and the ledger", () => {
  it("credits the workspace's account once per payment, source portal, type deposit", async () => {
    const w = await workspace();
    const a = await record(w.id, w.writer.token, { amount: "50.00", paymentMethod: "bank-transfer" });
    const b = await record(w.id, w.both.token, { amount: "0.05", paymentMethod: "other" });
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

  it("credits the oldest account that is not suspended, and answers 409 when there is none", async () => {
    const ws = await createWorkspace();
    const older = await createAccount(ws.id, { currency: "EUR" });
    const newer = await createAccount(ws.id, { currency: "XOF" });
    const owner = await member(ws.id, "owner");
    expect((await admin("PATCH", `/accounts/${older.id}`, { status: "suspended" })).status).toBe(200);
    expect((await record(ws.id, owner.token, { amount: "1.5", paymentMethod: "cash" })).status).toBe(400); // XOF: 0 decimals
    const ok = await record(ws.id, owner.token, { amount: "1500", paymentMethod: "cash" });
    expect(ok.status).toBe(201);
    expect((await ledgerInvariant(newer.id)).balance).toBe("1500.0000");
    expect((await ledgerInvariant(older.id)).count).toBe(0);

    expect((await admin("PATCH", `/accounts/${newer.id}`, { status: "suspended" })).status).toBe(200);
    const none = await record(ws.id, owner.token, { amount: "1", paymentMethod: "cash" });
    expect(none.status).toBe(409);
    expect(none.json).toEqual({ error: { code: "conflict", message: "The workspace has no account to credit" } });

    const empty = await createWorkspace();
    const emptyOwner = await member(empty.id, "owner");
    expect((await record(empty.id, emptyOwner.token, { amount: "1", paymentMethod: "cash" })).status).toBe(409);
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
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: { code: "bad_request", message: expect.stringContaining(problem) } });
    expect(await entriesOf(w.accountId)).toEqual([]);
    expect(await paymentRows(w.id)).toEqual([]);
  });

  it("accepts a date-only paymentDate and an offset, stored as UTC with milliseconds", async () => {
    const w = await workspace();
    const day = await record(w.id, w.owner.token, { amount: "1", paymentMethod: "cash", paymentDate: "2025-01-15" });
    expect(day.json.paymentDate).toBe("2025-01-15T00:00:00.000Z");
    const offset = await record(w.id, w.owner.token, {
      amount: "1",
      paymentMethod: "cash",
      paymentDate: "2025-01-15T12:30:00.250+02:00",
    });
    expect(offset.json.paymentDate).toBe("2025-01-15T10:30:00.250Z");
  });

  it("answers 400 (not 500) for a JSON body or a malformed multipart body", async () => {
    const w = await workspace();
    const asJson = await call("POST", base(w.id), {
      headers: bearer(w.owner.token),
      body: { amount: "5", paymentMethod: "cash" },
    });
    expect(asJson.status).toBe(400);
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
    expect(res.status).toBe(201);
    const { url, path, sizeBytes } = res.json.receiptImage;
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
    expect(res.status).toBe(201);
    expect(res.json.receiptImage.path).toBe(`sms-payments/${w.id}/${res.json.id}/pass_wd.pdf`);
  });

  it("accepts a receipt of exactly 5 MB", async () => {
    const w = await workspace();
    const res = await record(w.id, w.owner.token, {
      amount: "1",
      paymentMethod: "cash",
      receipt: { filename: "big.png", type: "image/png", bytes: png(5 * MB) },
    });
    expect(res.status).toBe(201);
    expect(res.json.receiptImage.sizeBytes).toBe(5 * MB);
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
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: { code: "bad_request", message: expect.stringContaining(problem) } });
    expect(await storedReceipts(w.id)).toEqual([]);
    expect(await entriesOf(w.accountId)).toEqual([]);
    expect((await list(w.id, w.owner.token)).json.pagination.total).toBe(0);
  });

  it("removes the uploaded object when the transaction does not commit", async () => {
    const w = await workspace();
    const t = w.owner.token;
    // Revoked after the edge check would pass: simulate KV lag so the edge lets the token through,
    // then the insert's token_version re-check refuses it and the transaction rolls back.
    expect((await admin("DELETE", `/members/${w.owner.id}/tokens`)).status).toBe(204);
    await env.EDGE_KV.put(`member:${w.owner.id}`, JSON.stringify({ token_version: 0 }));
    const res = await record(w.id, t, {
      amount: "9",
      paymentMethod: "cash",
      receipt: { filename: "r.png", type: "image/png", bytes: png() },
    });
    expect(res.status).toBe(401);
    expect(res.json).toEqual(INVALID);
    expect(await storedReceipts(w.id)).toEqual([]);
    expect(await entriesOf(w.accountId)).toEqual([]);
    expect(await paymentRows(w.id)).toEqual([]);
  });

  it("answers 404 for a payment without receipt, an unknown id, a malformed id and a deleted payment", async () => {
    const w = await workspace();
    const plain = await record(w.id, w.owner.token, { amount: "1", paymentMethod: "cash" });
    const withReceipt = await record(w.id, w.owner.token, {
      amount: "1",
      paymentMethod: "cash",
      receipt: { filename: "r.png", type: "image/png", bytes: png() },
    });
    expect((await remove(w.id, w.owner.token, withReceipt.json.id)).status).toBe(204);
    for (const id of [plain.json.id, "0123456789abcdef01234567", "nope", withReceipt.json.id]) {
      const res = await receipt(w.id, w.owner.token, id);
      expect(res.status, id).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "not_found", message: "Receipt not found" } });
    }
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
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(second.json).toEqual(first.json);
    expect((await entriesOf(w.accountId)).map((e) => e.amount)).toEqual(["75.2500"]);
    expect((await paymentRows(w.id)).map((r) => r.id)).toEqual([first.json.id]);
    expect(await storedReceipts(w.id)).toEqual([{ key: first.json.receiptImage.path, size: 8000 }]);
    expect(await ledgerInvariant(w.accountId)).toMatchObject({ balance: "75.2500", sum: "75.2500", count: 1 });
  });

  it("answers 422 when the key is reused with other fields or another file, storing nothing more", async () => {
    const w = await workspace();
    const key = { "idempotency-key": `reuse-${crypto.randomUUID()}` };
    const first = await record(w.id, w.owner.token, fields(png(1000, 1)), { headers: key });
    expect(first.status).toBe(201);
    for (const other of [fields(png(1000, 1), "75.26"), fields(png(1000, 2))]) {
      const res = await record(w.id, w.owner.token, other, { headers: key });
      expect(res.status).toBe(422);
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
    expect(res.status).toBe(400);
    expect(await entriesOf(w.accountId)).toEqual([]);
  });
});

// ---------- deletion ----------

describe("DELETE .../sms/payments/:id", () => {
  it("posts a reversal, hides the payment and keeps every ledger row; a second delete is 404", async () => {
    const w = await workspace();
    const keep = await record(w.id, w.owner.token, { amount: "10", paymentMethod: "cash" });
    const gone = await record(w.id, w.owner.token, { amount: "40.5", paymentMethod: "card" });
    const res = await remove(w.id, w.owner.token, gone.json.id);
    expect(res.status).toBe(204);
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
    expect(after.json.payments.map((p: { id: string }) => p.id)).toEqual([keep.json.id]);
    expect(after.json.pagination.total).toBe(1);

    const again = await remove(w.id, w.owner.token, gone.json.id);
    expect(again.status).toBe(404);
    expect(again.json).toEqual({ error: { code: "not_found", message: "Payment not found" } });
    expect(await entriesOf(w.accountId)).toHaveLength(3);
  });

  it("reverses exactly once when two deletes race", async () => {
    const w = await workspace();
    const p = await record(w.id, w.owner.token, { amount: "5", paymentMethod: "cash" });
    const results = await Promise.all([1, 2, 3].map(() => remove(w.id, w.owner.token, p.json.id)));
    expect(results.map((r) => r.status).sort()).toEqual([204, 404, 404]);
    expect(await ledgerInvariant(w.accountId)).toMatchObject({ balance: "0.0000", sum: "0.0000", count: 2 });
  });

  it("answers 404 for unknown and malformed ids", async () => {
    const w = await workspace();
    for (const id of ["0123456789abcdef01234567", "not-an-id"]) {
      const res = await remove(w.id, w.owner.token, id);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("not_found");
    }
  });
});

// ---------- roles and permissions ----------

describe("roles and permissions", () => {
  let w: Awaited<ReturnType<typeof workspace>>;
  let paymentId: string;
  beforeAll(async () => {
    w = await workspace();
    const p = await record(w.id, w.owner.token, {
      amount: "3",
      paymentMethod: "cash",
      receipt: { filename: "r.png", type: "image/png", bytes: png() },
    });
    paymentId = p.json.id;
  });

  it("lets the owner and staff with sms_payments.read list; others get 403", async () => {
    for (const m of [w.owner, w.reader, w.both]) expect((await list(w.id, m.token)).status).toBe(200);
    for (const m of [w.writer, w.none]) {
      const res = await list(w.id, m.token);
      expect(res.status).toBe(403);
      expect(res.json).toEqual({
        error: { code: "forbidden", message: "You do not have permission to view SMS payments" },
      });
    }
  });

  it("lets the owner and staff with sms_payments.write record; others get 403 and nothing is posted", async () => {
    const before = (await ledgerInvariant(w.accountId)).count;
    for (const m of [w.owner, w.writer, w.both]) {
      expect((await record(w.id, m.token, { amount: "1", paymentMethod: "cash" })).status).toBe(201);
    }
    for (const m of [w.reader, w.none]) {
      const res = await record(w.id, m.token, { amount: "1", paymentMethod: "cash" });
      expect(res.status).toBe(403);
      expect(res.json).toEqual({
        error: { code: "forbidden", message: "You do not have permission to record SMS payments" },
      });
    }
    expect((await ledgerInvariant(w.accountId)).count).toBe(before + 3);
  });

  it("serves receipts to readers only", async () => {
    for (const m of [w.owner, w.reader]) {
      const res = await receipt(w.id, m.token, paymentId);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    for (const m of [w.writer, w.none]) {
      const res = await receipt(w.id, m.token, paymentId);
      expect(res.status).toBe(403);
      await res.arrayBuffer();
    }
  });

  it("lets only the owner delete: staff with every permission get 403 and nothing is reversed", async () => {
    const p = await record(w.id, w.owner.token, { amount: "2", paymentMethod: "cash" });
    for (const m of [w.both, w.writer, w.reader, w.none]) {
      const res = await remove(w.id, m.token, p.json.id);
      expect(res.status).toBe(403);
      expect(res.json).toEqual({
        error: { code: "forbidden", message: "Only the workspace owner can delete SMS payments" },
      });
    }
    expect((await entriesOf(w.accountId)).filter((e) => e.type === "reversal")).toEqual([]);
    expect((await remove(w.id, w.owner.token, p.json.id)).status).toBe(204);
  });

  it("answers 401 on every route without a valid token, before looking at the request", async () => {
    for (const t of [undefined, "garbage"]) {
      expect((await list(w.id, t, "?limit=999")).json).toEqual(INVALID);
      const posted = await record(w.id, t, { amount: "-1", paymentMethod: "cash" });
      expect(posted.status).toBe(401);
      expect(posted.json).toEqual(INVALID);
      const r = await receipt(w.id, t, paymentId);
      expect(r.status).toBe(401);
      expect(await r.json()).toEqual(INVALID);
      expect((await remove(w.id, t, paymentId)).json).toEqual(INVALID);
    }
  });
});

// ---------- other workspaces ----------

describe("cross-workspace access", () => {
  it("never opens another workspace: 404 on every route, and B's payments stay invisible and intact", async () => {
    const a = await workspace();
    const b = await workspace();
    const bPayment = await record(b.id, b.owner.token, {
      amount: "99",
      paymentMethod: "cash",
      receipt: { filename: "b.png", type: "image/png", bytes: png() },
    });
    expect(bPayment.status).toBe(201);
    const bId = bPayment.json.id as string;

    // A's token on B's URLs.
    expect((await list(b.id, a.owner.token)).json).toEqual(NO_WORKSPACE);
    expect((await list(b.id, a.reader.token)).status).toBe(404);
    const posted = await record(b.id, a.owner.token, { amount: "1", paymentMethod: "cash" });
    expect(posted.status).toBe(404);
    expect(posted.json).toEqual(NO_WORKSPACE);
    const r = await receipt(b.id, a.owner.token, bId);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual(NO_WORKSPACE);
    expect((await remove(b.id, a.owner.token, bId)).json).toEqual(NO_WORKSPACE);

    // B's ids on A's URLs with A's token.
    const r2 = await receipt(a.id, a.owner.token, bId);
    expect(r2.status).toBe(404);
    await r2.arrayBuffer();
    expect((await remove(a.id, a.owner.token, bId)).status).toBe(404);
    expect((await list(a.id, a.owner.token)).json.payments).toEqual([]);

    // B is untouched.
    expect((await list(b.id, b.owner.token)).json.payments).toEqual([unsigned(bPayment.json)]);
    expect(await ledgerInvariant(b.accountId)).toMatchObject({ balance: "99.0000", count: 1 });
    expect(await ledgerInvariant(a.accountId)).toMatchObject({ count: 0 });
  });

  it("answers 404 for a workspace that does not exist", async () => {
    const a = await workspace();
    for (const ws of [UNKNOWN, "507f1f77bcf86cd799439012"]) {
      expect((await list(ws, a.owner.token)).json).toEqual(NO_WORKSPACE);
    }
  });
});

// ---------- revocation and expiry ----------

describe("revocation", () => {
  it("refuses an old token at once after DELETE /admin/v1/members/{id}/tokens, on every route", async () => {
    const w = await workspace();
    const p = await record(w.id, w.owner.token, {
      amount: "3",
      paymentMethod: "cash",
      receipt: { filename: "r.png", type: "image/png", bytes: png() },
    });
    expect((await admin("DELETE", `/members/${w.owner.id}/tokens`)).status).toBe(204);
    expect((await list(w.id, w.owner.token)).json).toEqual(INVALID);
    expect((await record(w.id, w.owner.token, { amount: "1", paymentMethod: "cash" })).json).toEqual(INVALID);
    const r = await receipt(w.id, w.owner.token, p.json.id);
    expect(r.status).toBe(401);
    await r.arrayBuffer();
    expect((await remove(w.id, w.owner.token, p.json.id)).json).toEqual(INVALID);
    expect(await ledgerInvariant(w.accountId)).toMatchObject({ count: 1 });
  });

  it("reads and changes nothing with a revoked token while the edge's KV copy lags", async () => {
    const w = await workspace();
    const p = await record(w.id, w.owner.token, {
      amount: "3",
      paymentMethod: "cash",
      receipt: { filename: "r.png", type: "image/png", bytes: png() },
    });
    expect((await admin("DELETE", `/members/${w.owner.id}/tokens`)).status).toBe(204);
    await env.EDGE_KV.put(`member:${w.owner.id}`, JSON.stringify({ token_version: 0 }));
    expect((await list(w.id, w.owner.token)).json).toEqual(INVALID);
    const r = await receipt(w.id, w.owner.token, p.json.id);
    expect(r.status).toBe(401);
    await r.arrayBuffer();
    expect((await remove(w.id, w.owner.token, p.json.id)).json).toEqual(INVALID);
    expect((await paymentRows(w.id))[0]?.deleted_at).toBeNull();
    expect(await ledgerInvariant(w.accountId)).toMatchObject({ count: 1 });
  });
});

// ---------- errors with the database down, and the documentation ----------

describe("server errors and documentation", () => {
  it("answers 503 with a requestId and no internals when the database is unreachable", async () => {
    const w = await workspace();
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`https://api.test${base(w.id)}`, { headers: bearer(w.owner.token) }),
      { ...env, DATABASE_URL: env.UNREACHABLE_DATABASE_URL },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { requestId: string } };
    expect(body).toEqual({
      error: {
        code: "unavailable",
        message: "Service temporarily unavailable, retry later",
        requestId: expect.any(String),
      },
    });
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("renders 500 with a requestId and only a generic message", () => {
    expect(renderWorkspaceError(new AppError("internal", "Internal server error"), "req-1")).toEqual({
      error: { code: "internal", message: "Internal server error", requestId: "req-1" },
    });
    expect(renderWorkspaceError(new AppError("forbidden", "no"), "req-2")).toEqual({
      error: { code: "forbidden", message: "no" },
    });
  });

  it("documents the routes, the bearer scheme and the error body in /openapi.json", async () => {
    const doc = (await call("GET", "/openapi.json")).json;
    const path = "/api/v1/workspace/{workspaceId}/sms/payments";
    expect(Object.keys(doc.paths[path]).sort()).toEqual(["get", "post"]);
    expect(doc.paths[`${path}/{id}`].delete).toBeDefined();
    expect(doc.paths[`${path}/{id}/receipt`].get).toBeDefined();
    expect(doc.paths[path].post.requestBody.content["multipart/form-data"]).toBeDefined();
    expect(doc.paths[path].get.responses["400"].content["application/json"].schema.$ref).toBe(
      "#/components/schemas/WorkspaceApiError",
    );
    expect(doc.components.securitySchemes.workspaceBearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.paths["/admin/v1/workspaces/{workspace_id}/members"].post).toBeDefined();
    expect(Object.keys(doc.paths["/admin/v1/members/{member_id}/tokens"]).sort()).toEqual(["delete", "post"]);
  });
});
