// Four eyes and the audit trail in a real browser: an operator posts an adjustment above the threshold,
// an approver approves it and sees the entry and both names in the audit page; then the 101st (oldest)
// key of a workspace is revoked from its page. Screenshots go to .ci/results/screenshots/.
import fs from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");
const adminToken = inject("adminToken");
const SHOTS = path.resolve(".ci/results/screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

async function api(method: string, route: string, body?: unknown, token = adminToken) {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

let browser: Browser;
const suffix = Math.random().toString(36).slice(2, 8);
let maker: { email: string; token: string };
let approver: { email: string; token: string };
let workspaceId: string;
let accountId: string;
let oldestKey: { id: string; key: string };

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  maker = (await api("POST", "/admin/v1/operators", { email: `maker-${suffix}@ops.test`, role: "operator" })).json;
  approver = (await api("POST", "/admin/v1/operators", { email: `checker-${suffix}@ops.test`, role: "approver" })).json;
  workspaceId = (await api("POST", "/admin/v1/workspaces", { name: `Four eyes ${suffix}` })).json.id;
  accountId = (await api("POST", `/admin/v1/workspaces/${workspaceId}/accounts`, { currency: "EUR" })).json.id;
  oldestKey = (
    await api("POST", `/admin/v1/workspaces/${workspaceId}/api-keys`, {
      account_id: accountId,
      permissions: ["balance.read"],
    })
  ).json;
  for (let i = 0; i < 100; i++) {
    await api("POST", `/admin/v1/workspaces/${workspaceId}/api-keys`, { permissions: ["payments.read"] });
  }
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

afterAll(async () => {
  await browser?.close();
});

/** A fresh browser signed in with `token`; confirmations are accepted. */
async function signedIn(token: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on("dialog", (dialog) => dialog.accept());
  await page.goto(`${baseUrl}/portal/sign-in`);
  await page.fill("input[name=token]", token);
  await Promise.all([page.waitForURL(`${baseUrl}/portal`), page.click("button[type=submit]")]);
  return page;
}

describe("operators in chromium", () => {
  it("holds a large adjustment for a second operator, who approves it and sees both names in the audit", async () => {
    const asMaker = await signedIn(maker.token);
    await asMaker.goto(`${baseUrl}/portal/accounts/${accountId}`);
    await asMaker.fill("input[name=amount]", "1500.00");
    await asMaker.fill("input[name=description]", "Large goodwill credit");
    await Promise.all([
      asMaker.waitForURL(/done=approval-requested/),
      asMaker.click("button:has-text('Post adjustment')"),
    ]);
    expect(await asMaker.textContent("[role=status]")).toContain("waits for a second operator");
    expect(await asMaker.textContent("[data-testid=pending-approvals]")).toContain("1,500.00");
    expect(await asMaker.$$("table[data-testid=entries] tbody tr")).toHaveLength(0);

    const asApprover = await signedIn(approver.token);
    await asApprover.goto(`${baseUrl}/portal/approvals`);
    const row = asApprover.locator("[data-testid=pending-approvals] tr", { hasText: "Large goodwill credit" });
    const approvalId = await row.getAttribute("data-approval-id");
    await asApprover.screenshot({ path: path.join(SHOTS, "approvals.png"), fullPage: true });
    await Promise.all([asApprover.waitForURL(/done=approved/), row.locator("button:has-text('Approve')").click()]);
    expect(await asApprover.textContent("[role=status]")).toContain("Approved");

    await asApprover.goto(`${baseUrl}/portal/accounts/${accountId}`);
    const first = await asApprover.$$eval("table[data-testid=entries] tbody tr:first-child td", (tds) =>
      tds.map((td) => td.textContent?.trim() ?? ""),
    );
    expect(first.slice(3, 7)).toEqual(["portal", "adjustment", "Large goodwill credit", "1,500.00"]);

    await asApprover.goto(`${baseUrl}/portal/audit?target=${approvalId}`);
    const audit = await asApprover.textContent("[data-testid=audit-events]");
    expect(audit).toContain(maker.email);
    expect(audit).toContain(approver.email);
    expect(audit).toContain("approval.approve");
    await asApprover.screenshot({ path: path.join(SHOTS, "audit.png"), fullPage: true });
  });

  it("revokes the 101st (oldest) key of a workspace from its page", async () => {
    expect((await fetch(`${baseUrl}/api/v1/user/balance`, { headers: { "x-api-key": oldestKey.key } })).status).toBe(
      200,
    );
    const page = await signedIn(maker.token);
    await page.goto(`${baseUrl}/portal/workspaces/${workspaceId}`);
    for (let i = 0; i < 5 && !(await page.$(`tr[data-key-id="${oldestKey.id}"]`)); i++) {
      const current = page.url();
      await Promise.all([page.waitForURL((url) => url.href !== current), page.click("[data-testid=more-keys]")]);
    }
    await Promise.all([
      page.waitForURL(/done=key-revoked/),
      page.click(`tr[data-key-id="${oldestKey.id}"] button:has-text("Revoke")`),
    ]);
    expect(await page.textContent("[role=status]")).toContain("revoked");
    const after = await fetch(`${baseUrl}/api/v1/user/balance`, { headers: { "x-api-key": oldestKey.key } });
    expect(after.status).toBe(401);
  });
});
