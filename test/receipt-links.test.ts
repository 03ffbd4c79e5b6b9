// Spec 003 `receiptImage.url`: a signed, expiring link that downloads the receipt without any header,
// and stops working once tampered with, expired, or after its member's tokens are revoked.
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { RECEIPT_LINK_TTL_MINUTES, receiptLinkSigner } from "../src/apis/sms-payments/receipts";
import { PNG_MAGIC } from "./fixtures/files";
import { adminCall, assertStatus, callRoute, createAccount, createWorkspace, expectStatus, routes } from "./helpers";
import { expectOk, recordSmsPayment, workspaceMember } from "./story-helpers";

/** A PNG-signed file of `size` bytes with every byte value in it. */
function pngBytes(size: number) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) % 256;
  bytes.set(PNG_MAGIC);
  return bytes;
}

/** A plain GET, as an <img src> or a download would send it: no Authorization, no API key. */
async function download(url: string) {
  const res = await SELF.fetch(url);
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

const asJson = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

let ws: { id: string };
let reader: { id: string; token: string };
let bytes: Uint8Array;
let payment: { id: string; receiptImage: { url: string; path: string; sizeBytes: number } };

const listAs = (token: string) =>
  callRoute(routes.smsPayments.listPayments, { params: { workspaceId: ws.id } }, { authorization: `Bearer ${token}` });

beforeAll(async () => {
  ws = await createWorkspace("Receipts");
  await createAccount(ws.id, { currency: "EUR" });
  reader = await workspaceMember(ws.id, "staff", ["sms_payments.read"]);
  const writer = await workspaceMember(ws.id, "staff", ["sms_payments.write"]);
  bytes = pngBytes(70_001);
  const created = expectOk(
    await recordSmsPayment(
      ws.id,
      writer.token,
      { amount: "42", paymentMethod: "card" },
      { filename: "scan.png", type: "image/png", bytes },
    ),
    201,
  );
  const { id, receiptImage } = created.json;
  if (!receiptImage) throw new Error(`payment ${id} has no receipt`);
  payment = { id, receiptImage };
});

/** The reader's link to the receipt, from the list. */
async function readerLink() {
  const res = await listAs(reader.token);
  assertStatus(res, 200);
  return res.json.payments[0]!.receiptImage!.url;
}

describe("signed receipt links", () => {
  it("downloads the receipt byte for byte with no header at all", async () => {
    const listedFrom = Math.floor(Date.now() / 1000);
    const url = await readerLink();
    const listedTo = Math.floor(Date.now() / 1000);
    expect(url).toMatch(
      new RegExp(`^https://api\\.test/api/v1/workspace/${ws.id}/sms/payments/${payment.id}/receipt/scan\\.png\\?`),
    );
    const params = new URL(url).searchParams;
    expect(params.get("member")).toBe(reader.id);
    // Expires RECEIPT_LINK_TTL_MINUTES after the answer that gave it.
    const expires = Number(params.get("expires"));
    expect(expires).toBeGreaterThanOrEqual(listedFrom + RECEIPT_LINK_TTL_MINUTES * 60);
    expect(expires).toBeLessThanOrEqual(listedTo + RECEIPT_LINK_TTL_MINUTES * 60);

    const res = await download(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-length")).toBe(String(bytes.byteLength));
    expect(res.bytes).toEqual(bytes);
  });

  it("gives a working link in the answer that records the payment too", async () => {
    const res = await download(payment.receiptImage.url);
    expect(res.status).toBe(200);
    expect(res.bytes).toEqual(bytes);
  });

  it("keeps the Bearer route", async () => {
    const res = await SELF.fetch(`https://api.test/api/v1/workspace/${ws.id}/sms/payments/${payment.id}/receipt`, {
      headers: { authorization: `Bearer ${reader.token}` },
    });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  it("answers 403, never the file, once any part of the link is changed", async () => {
    const url = new URL(await readerLink());
    const other = await createWorkspace("Elsewhere");
    const stranger = await workspaceMember(other.id);
    const tampered: [string, (u: URL) => void][] = [
      ["signature", (u) => u.searchParams.set("signature", flip(u.searchParams.get("signature")!))],
      ["expires", (u) => u.searchParams.set("expires", String(Number(u.searchParams.get("expires")) + 3600))],
      ["version", (u) => u.searchParams.set("version", "1")],
      ["member", (u) => u.searchParams.set("member", stranger.id)],
      ["filename", (u) => (u.pathname = u.pathname.replace("scan.png", "other.png"))],
      ["payment", (u) => (u.pathname = u.pathname.replace(payment.id, "0".repeat(24)))],
      ["workspace", (u) => (u.pathname = u.pathname.replace(ws.id, other.id))],
      ["no signature", (u) => u.searchParams.delete("signature")],
      ["no query", (u) => (u.search = "")],
    ];
    for (const [what, change] of tampered) {
      const changed = new URL(url);
      change(changed);
      const res = await download(changed.toString());
      expect(res.status, what).toBe(403);
      expect(res.headers.get("content-type"), what).toContain("application/json");
      expect(asJson(res.bytes), what).toEqual({ error: { code: "forbidden", message: "Invalid receipt link" } });
    }
    // The untouched link still works.
    expect((await download(url.toString())).status).toBe(200);
  });

  it("answers 403 for a link of another workspace's member, even one signed with the real key", async () => {
    const other = await createWorkspace("Foreign");
    const stranger = await workspaceMember(other.id);
    const sign = await receiptLinkSigner(env.WORKSPACE_TOKEN_SECRET, "https://api.test", {
      id: stranger.id,
      tokenVersion: 0,
    });
    const res = await download(await sign(payment.receiptImage.path));
    expect(res.status).toBe(403);
    expect(asJson(res.bytes)).toEqual({ error: { code: "forbidden", message: "Invalid receipt link" } });
  });

  it("answers 403 once the link has expired", async () => {
    const signedAt = Date.now() - (RECEIPT_LINK_TTL_MINUTES * 60 + 1) * 1000;
    const sign = await receiptLinkSigner(
      env.WORKSPACE_TOKEN_SECRET,
      "https://api.test",
      { id: reader.id, tokenVersion: 0 },
      signedAt,
    );
    const res = await download(await sign(payment.receiptImage.path));
    expect(res.status).toBe(403);
    expect(asJson(res.bytes)).toEqual({ error: { code: "forbidden", message: "Receipt link expired" } });
  });

  it("stops every link of a member whose tokens are revoked; a new token's links work", async () => {
    const member = await workspaceMember(ws.id, "staff", ["sms_payments.read"]);
    const before = expectStatus(await listAs(member.token), 200).payments[0]!.receiptImage!.url;
    expect((await download(before)).status).toBe(200);

    expectStatus(await adminCall(routes.members.revokeMemberTokens, { params: { member_id: member.id } }), 204);
    const revoked = await download(before);
    expect(revoked.status).toBe(403);
    expect(asJson(revoked.bytes)).toEqual({ error: { code: "forbidden", message: "Invalid receipt link" } });

    const reissued = expectStatus(
      await adminCall(routes.members.createMemberToken, { params: { member_id: member.id }, json: {} }),
      201,
    );
    const after = expectStatus(await listAs(reissued.token), 200).payments[0]!.receiptImage!.url;
    expect(new URL(after).searchParams.get("version")).toBe("1");
    const res = await download(after);
    expect(res.status).toBe(200);
    expect(res.bytes).toEqual(bytes);
  });

  it("answers 404 once the payment is deleted", async () => {
    const owner = await workspaceMember(ws.id);
    const created = expectOk(
      await recordSmsPayment(
        ws.id,
        owner.token,
        { amount: "1", paymentMethod: "cash" },
        { filename: "gone.png", type: "image/png", bytes: pngBytes(500) },
      ),
      201,
    );
    const url = created.json.receiptImage!.url;
    expect((await download(url)).status).toBe(200);
    const deleted = await callRoute(
      routes.smsPayments.deletePayment,
      { params: { workspaceId: ws.id, id: created.json.id } },
      { authorization: `Bearer ${owner.token}` },
    );
    assertStatus(deleted, 204);
    const res = await download(url);
    expect(res.status).toBe(404);
    expect(asJson(res.bytes)).toEqual({ error: { code: "not_found", message: "Receipt not found" } });
  });
});

/** The same base64url text with its first character changed. */
function flip(text: string) {
  return (text[0] === "A" ? "B" : "A") + text.slice(1);
}
