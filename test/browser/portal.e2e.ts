// The back office in a real browser: playwright-core drives Debian's chromium against `wrangler dev`
// and a real PostgreSQL (global-setup.ts). Screenshots go to .ci/results/screenshots/.
import fs from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");
const adminToken = inject("adminToken");
const SHOTS = path.resolve(".ci/results/screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

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
  return {
    status: res.status,
    json: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text,
  };
}

/** One CSV line into fields (RFC 4180 quoting). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

let browser: Browser;
let page: Page;
const name = `Browser Test Co ${Math.random().toString(36).slice(2, 8)}`;
let workspaceId: string;
let accountId: string;
let apiKey: { id: string; key: string; prefix: string };

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  // A workspace to find, one that must not show up, an account with two weeks of history and a key.
  workspaceId = (await api("POST", "/admin/v1/workspaces", { name })).json.id;
  await api("POST", "/admin/v1/workspaces", { name: `Other ${name}` });
  accountId = (await api("POST", `/admin/v1/workspaces/${workspaceId}/accounts`, { currency: "EUR" })).json.id;
  for (const [offset, amount, type] of [
    [-12, "250", "deposit"],
    [-9, "-40.5", "usage"],
    [-6, "120", "deposit"],
    [-3, "-75.25", "usage"],
  ] as const) {
    const res = await api("POST", `/admin/v1/accounts/${accountId}/entries`, {
      source: "sms_gateway",
      type,
      amount,
      description: `gateway ${type} ${offset}`,
      occurred_at: `${day(offset)}T09:30:00Z`,
    });
    expect(res.status).toBe(201);
  }
  apiKey = (
    await api("POST", `/admin/v1/workspaces/${workspaceId}/api-keys`, {
      account_id: accountId,
      permissions: ["payments.read", "balance.read"],
    })
  ).json;
  await api("POST", `/admin/v1/workspaces/${workspaceId}/members`, { email: "owner@example.com", role: "owner" });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("dialog", (dialog) => dialog.accept());
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

const entriesTable = () =>
  page.$$eval("table[data-testid=entries] tbody tr", (rows) =>
    rows.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim() ?? "")),
  );

describe("the back office in chromium", () => {
  it("signs in, finds the account by its workspace's name and posts an adjustment", async () => {
    await page.goto(`${baseUrl}/portal`);
    expect(new URL(page.url()).pathname).toBe("/portal/sign-in");
    await page.fill("input[name=token]", "not the token");
    await page.click("button[type=submit]");
    expect(await page.textContent("[role=alert]")).toContain("not the admin token");
    await page.fill("input[name=token]", adminToken);
    await Promise.all([page.waitForURL(`${baseUrl}/portal`), page.click("button[type=submit]")]);
    await page.screenshot({ path: path.join(SHOTS, "overview.png"), fullPage: true });
    expect(await page.textContent("h1")).toBe("Overview");

    await page.click("nav >> text=Workspaces");
    await page.fill("input[name=q]", name.slice(0, 18).toLowerCase());
    await Promise.all([page.waitForURL(/q=/), page.click("form >> text=Search")]);
    const found = await page.$$eval("main table tbody tr td:first-child a", (links) => links.map((a) => a.textContent));
    expect(found).toEqual([name]);
    await Promise.all([page.waitForURL(`${baseUrl}/portal/workspaces/${workspaceId}`), page.click(`text=${name}`)]);
    await page.screenshot({ path: path.join(SHOTS, "workspace.png"), fullPage: true });

    await Promise.all([
      page.waitForURL(`${baseUrl}/portal/accounts/${accountId}`),
      page.click(`a:has-text("${accountId}")`),
    ]);
    await page.fill("input[name=amount]", "12.34");
    await page.fill("input[name=description]", "Browser goodwill credit");
    await Promise.all([page.waitForURL(/done=posted/), page.click("button:has-text('Post adjustment')")]);
    expect(await page.textContent("[role=status]")).toContain("Adjustment posted");

    const [first] = await entriesTable();
    // Id, posted, effective, then source, type, description, amount, balance after.
    expect(first!.slice(3)).toEqual(["portal", "adjustment", "Browser goodwill credit", "12.34", "266.59"]);
    expect(await page.textContent("[data-testid=balance]")).toContain("266.59 EUR");
    expect(await page.textContent("[data-testid=reconciliation]")).toContain("balanced");

    // The same entry through spec 000, as a portal_P… row.
    const payments = await api("GET", "/api/v1/user/payments?type=adjustment", undefined, { "x-api-key": apiKey.key });
    expect(payments.status).toBe(200);
    expect(payments.json).toContainEqual(
      expect.objectContaining({
        id: `portal_P${first![0]}`,
        amount: 12.34,
        type: "adjustment",
        source: "portal",
        description: "Browser goodwill credit",
      }),
    );
  });

  it("posts a double-clicked adjustment once, with and without the page's script", async () => {
    const count = async (description: string) =>
      (await api("GET", `/admin/v1/accounts/${accountId}/entries?limit=200`)).json.entries.filter(
        (e: { description: string }) => e.description === description,
      ).length;
    await page.goto(`${baseUrl}/portal/accounts/${accountId}`);
    await page.fill("input[name=amount]", "-2.50");
    await page.fill("input[name=description]", "Double click");
    await Promise.all([page.waitForURL(/done=posted/), page.dblclick("button:has-text('Post adjustment')")]);
    expect(await count("Double click")).toBe(1);

    // Without JavaScript both clicks reach the server, with the same Idempotency-Key.
    const context = await browser.newContext({
      javaScriptEnabled: false,
      storageState: await page.context().storageState(),
    });
    const plain = await context.newPage();
    await plain.goto(`${baseUrl}/portal/accounts/${accountId}`);
    await plain.fill("input[name=amount]", "-1.25");
    await plain.fill("input[name=description]", "Double click, no script");
    // The second submit aborts the first one's navigation (which waitForURL would report as a failure):
    // wait for where the page ends up instead.
    await plain.dblclick("button:has-text('Post adjustment')");
    await expect.poll(() => plain.url(), { timeout: 15_000 }).toMatch(/done=posted/);
    await plain.waitForLoadState();
    await context.close();
    expect(await count("Double click, no script")).toBe(1);
  });

  it("exports the period's CSV, equal to the entries table row by row", async () => {
    await page.goto(`${baseUrl}/portal/accounts/${accountId}?from=${day(-13)}&to=${day(0)}`);
    const table = await entriesTable();
    expect(table.length).toBe(7);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Export CSV")]);
    const csv = fs.readFileSync((await download.path())!, "utf8");
    const [header, ...lines] = csv.trimEnd().split("\r\n");
    expect(header).toBe("id,occurred_at,source,type,description,amount,currency,balance_after");
    const rows = lines.map(csvFields);
    expect(rows.length).toBe(table.length);
    rows.forEach((row, i) => {
      const cells = table[i]!;
      const shown = [cells[0], cells[3], cells[4], cells[5], cells[6]!.replace(/,/g, ""), cells[7]!.replace(/,/g, "")];
      expect([row[0], row[2], row[3], row[4], row[5], row[7]], `row ${i}`).toEqual(shown);
      // The CSV's occurred_at is the effective date, the table's third column.
      expect(row[1]!.replace("T", " ").slice(0, 19), `row ${i}`).toBe(cells[2]!.slice(0, 19));
      expect(row[6]).toBe("EUR");
    });
  });

  it("draws the balance chart as an <svg> with one point per day of the period", async () => {
    await page.goto(`${baseUrl}/portal/accounts/${accountId}?from=${day(-13)}&to=${day(0)}`);
    expect(await page.$$eval("svg.chart circle.point", (points) => points.length)).toBe(14);
    const dates = await page.$$eval("svg.chart circle.point", (points) =>
      points.map((p) => p.getAttribute("data-date")),
    );
    expect(dates[0]).toBe(day(-13));
    expect(dates.at(-1)).toBe(day(0));
    await page.screenshot({ path: path.join(SHOTS, "account.png"), fullPage: true });
  });

  it("shows the ledger balanced per currency, a system account's legs and a transaction's legs", async () => {
    await page.goto(`${baseUrl}/portal/ledger`);
    expect(await page.textContent("[data-testid=trial-EUR]")).toBe("balanced");
    await page.screenshot({ path: path.join(SHOTS, "ledger.png"), fullPage: true });
    await Promise.all([page.waitForURL(/system-accounts/), page.click("a:has-text('clearing:sms_gateway')")]);
    await Promise.all([page.waitForURL(/transactions/), page.click("table tbody tr:first-child td a")]);
    expect(await page.$$eval("[data-testid=leg]", (legs) => legs.length)).toBe(2);
    await page.screenshot({ path: path.join(SHOTS, "transaction.png"), fullPage: true });
  });

  it("revokes an API key from the workspace page, and the key gets 401 at once", async () => {
    expect((await api("GET", "/api/v1/user/balance", undefined, { "x-api-key": apiKey.key })).status).toBe(200);
    await page.goto(`${baseUrl}/portal/workspaces/${workspaceId}`);
    await Promise.all([
      page.waitForURL(/done=key-revoked/),
      page.click(`tr[data-key-id="${apiKey.id}"] button:has-text("Revoke")`),
    ]);
    expect(await page.textContent("[role=status]")).toContain("revoked");
    expect(await page.$(`tr[data-key-id="${apiKey.id}"] button:has-text("Revoke")`)).toBeNull();
    const after = await api("GET", "/api/v1/user/balance", undefined, { "x-api-key": apiKey.key });
    expect(after.status).toBe(401);
  });

  it("renders /docs from the Worker's own bundle, with no request leaving the machine", async () => {
    const offsite: string[] = [];
    const docs = await browser.newPage();
    docs.on("request", (req) => {
      const url = new URL(req.url());
      if (!["localhost", "127.0.0.1"].includes(url.hostname) && url.protocol.startsWith("http"))
        offsite.push(req.url());
    });
    await docs.goto(`${baseUrl}/docs`);
    await docs.waitForSelector("text=payments-edge", { timeout: 30_000 });
    await docs.waitForSelector("text=Portal admin", { timeout: 30_000 });
    await docs.screenshot({ path: path.join(SHOTS, "docs.png") });
    await docs.close();
    expect(offsite).toEqual([]);
  });

  it("works by keyboard alone: sign in, then post an adjustment", async () => {
    // A fresh, signed-out browser context; no clicks and no fill(), only keys.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const kb = await context.newPage();
    kb.on("dialog", (dialog) => dialog.accept());
    /** Tabs forward until `selector` has the focus; fails when it is not reachable in `max` steps. */
    const tabTo = async (selector: string, max = 60) => {
      for (let i = 0; i < max; i++) {
        if ((await kb.locator(`${selector}:focus`).count()) > 0) return;
        await kb.keyboard.press("Tab");
      }
      throw new Error(`${selector} is not reachable with Tab`);
    };
    try {
      await kb.goto(`${baseUrl}/portal/accounts/${accountId}`);
      expect(new URL(kb.url()).pathname).toBe("/portal/sign-in");
      await tabTo("input[name=token]");
      await kb.keyboard.type(adminToken);
      await Promise.all([kb.waitForURL((url) => url.pathname !== "/portal/sign-in"), kb.keyboard.press("Enter")]);
      if (!kb.url().endsWith(`/portal/accounts/${accountId}`)) await kb.goto(`${baseUrl}/portal/accounts/${accountId}`);
      await tabTo("input[name=amount]");
      await kb.keyboard.type("3.21");
      await tabTo("input[name=description]", 2);
      await kb.keyboard.type("Keyboard credit");
      await tabTo("button[type=submit]", 2);
      expect((await kb.locator(":focus").textContent())?.trim()).toBe("Post adjustment");
      await Promise.all([kb.waitForURL(/done=posted/), kb.keyboard.press("Enter")]);
      expect(await kb.textContent("[role=status]")).toContain("Adjustment posted");
      const [first] = await kb.$$eval("table[data-testid=entries] tbody tr", (rows) =>
        rows.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim() ?? "")),
      );
      expect(first?.slice(3, 6)).toEqual(["portal", "adjustment", "Keyboard credit"]);
      expect(first?.[6]).toBe("3.21");
    } finally {
      await context.close();
    }
  });
});
