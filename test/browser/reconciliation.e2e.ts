// Issue 20 in a real browser (no client script needed): upload a settlement report, resolve an item,
// settle, then find a payment by its reference from the search box on every page. Screenshots go to
// .ci/results/screenshots/ (docs/reconciliation.png is one of them).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");
const adminToken = inject("adminToken");
const SHOTS = path.resolve(".ci/results/screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

async function api(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      ...(route.startsWith("/admin/") ? { authorization: `Bearer ${adminToken}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

let browser: Browser;
let page: Page;
let reference: string;
let reportFile: string;
const eventId = `evt_browser_${Math.random().toString(36).slice(2, 10)}`;

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  // A gateway credit with no report line (missing_in_report) and a report line with no credit.
  const workspace = (await api("POST", "/admin/v1/workspaces", { name: "Reconciliation Browser Co" })).json;
  const account = (await api("POST", `/admin/v1/workspaces/${workspace.id}/accounts`, { currency: "XCD" })).json;
  const credit = await api("POST", `/admin/v1/accounts/${account.id}/entries`, {
    source: "sms_gateway",
    type: "deposit",
    amount: "40",
    description: "gateway credit the report leaves out",
  });
  expect(credit.status).toBe(201);
  const key = (
    await api("POST", `/admin/v1/workspaces/${workspace.id}/api-keys`, {
      account_id: account.id,
      permissions: ["payments.read", "payments.write"],
    })
  ).json.key;
  const created = await api(
    "POST",
    "/api/paiements",
    { transaction_type: "PAYMENT", amount: 15, description: "browser lookup" },
    { "x-api-key": key },
  );
  expect(created.status).toBe(201);
  reference = created.json.reference;
  reportFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "recon-")), "gateway-report.csv");
  fs.writeFileSync(reportFile, `event_id,amount,fee,currency,settled_at\r\n${eventId},25.00,0.50,XCD,2026-12-01\r\n`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("dialog", (dialog) => dialog.accept());
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe("reconciliation in chromium", () => {
  it("uploads a report, resolves an item, settles and finds a payment from the search box", async () => {
    await page.goto(`${baseUrl}/portal/sign-in`);
    await page.fill("input[name=token]", adminToken);
    await Promise.all([page.waitForURL(`${baseUrl}/portal`), page.click("button[type=submit]")]);

    await Promise.all([page.waitForURL(/\/portal\/reconciliations$/), page.click("nav >> text=Reconciliations")]);
    await page.selectOption("select[name=upstream]", "sms_gateway");
    await page.fill("input[name=currency]", "XCD");
    await page.fill("input[name=from]", day(-1));
    await page.fill("input[name=to]", day(1));
    await page.setInputFiles("input[name=report]", reportFile);
    await Promise.all([page.waitForURL(/done=imported/), page.click("button:has-text('Import')")]);
    expect(await page.textContent("[role=status]")).toContain("Report imported.");
    const rows = await page.$$eval("main table:not(.summary) tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 6).map((td) => td.textContent?.trim() ?? "")),
    );
    expect(rows.map((r) => [r[1], r[3], r[5]])).toEqual([
      ["missing_in_ledger", "25.00", "—"],
      ["missing_in_report", "—", "40.00"],
    ]);

    // Keyboard only: Tab from the page's heading reaches both Settle buttons and each item's resolution
    // controls, in reading order.
    await page.focus("main h1");
    await page.keyboard.press("Tab");
    const reached: string[] = [];
    for (let i = 0; i < 40; i++) {
      // In the page's own scope (a string: this file is not compiled with the DOM's types).
      reached.push(
        String(
          await page.evaluate(
            `(() => { const el = document.activeElement; return el ? el.tagName.toLowerCase() + ":" + (el.getAttribute("name") ?? el.textContent.trim()) : ""; })()`,
          ),
        ),
      );
      await page.keyboard.press("Tab");
    }
    const order = (entry: string) => reached.indexOf(entry);
    expect(order("button:Settle")).toBeGreaterThan(-1);
    expect(order("button:Settle matched lines only")).toBeGreaterThan(order("button:Settle"));
    expect(reached.filter((e) => e === "select:action")).toHaveLength(2);
    expect(reached.filter((e) => e === "input:note")).toHaveLength(2);
    expect(reached.filter((e) => e === "button:Resolve")).toHaveLength(2);
    expect(order("select:action")).toBeGreaterThan(order("button:Settle matched lines only"));

    // Resolve the line with no credit as a write-off; settle is refused while the other is open.
    const first = page.locator("main table:not(.summary) tbody tr").first();
    await first.locator("select[name=action]").selectOption("write_off");
    await first.locator("input[name=note]").fill("operator paid a credit we never had");
    await Promise.all([page.waitForURL(/done=resolved/), first.locator("button:has-text('Resolve')").click()]);
    await page.click("button:has-text('Settle')");
    await page.waitForSelector("[role=alert]");
    expect(await page.textContent("[role=alert]")).toContain("1 unresolved item(s) remain");
    const second = page.locator("main table:not(.summary) tbody tr").nth(1);
    await second.locator("select[name=action]").selectOption("timing");
    await second.locator("input[name=note]").fill("expected in next week's report");
    await Promise.all([page.waitForURL(/done=resolved/), second.locator("button:has-text('Resolve')").click()]);
    await Promise.all([page.waitForURL(/done=settled/), page.click("button:has-text('Settle')")]);
    expect(await page.textContent("[role=status]")).toContain("Settled.");
    // A settled reconciliation offers no Settle button again; it says when it was settled.
    expect(await page.locator("button:has-text('Settle')").count()).toBe(0);
    expect(await page.textContent("main")).toMatch(/Settled \d{4}-\d{2}-\d{2}T/);
    await page.screenshot({ path: path.join(SHOTS, "reconciliation.png"), fullPage: true });

    await page.fill("input[name=lookup]", reference);
    await Promise.all([page.waitForURL(/\/portal\/payments\?lookup=/), page.click("button:has-text('Find')")]);
    expect(await page.textContent("main h2")).toBe(`mobile_money_payment ${reference}`);
    expect(await page.textContent("main")).toContain("Status INIT");
  });
});
