// Issue 20: a settlement report of 100,000 lines imports within the Worker's limits: streamed, staged in
// bounded batches each far under Neon's 10 MiB request cap, and opened by one final statement. Counted
// by the local Neon endpoint, per request tag (the X-Request-Id we send).
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { z } from "zod";
import { BATCH_LINES } from "../src/apis/admin/reconciliations/import";
import { adminCall, assertStatus, expectStatus, routes } from "./helpers";
import { importReport, merchantIn, payment, periodFrom } from "./reconciliation-helpers";

const statsUrl = env.LOCAL_NEON_HTTP_ENDPOINT?.replace(/\/sql$/, "/stats") ?? "";
const LINES = 100_000;
const NEON_REQUEST_CAP = 10 * 1024 * 1024;

it("imports 100,000 lines in bounded batches, each far under Neon's request cap", { timeout: 180_000 }, async () => {
  const start = Date.now();
  const m = await merchantIn("MZN");
  const paid = [await payment(m.key, "10.00"), await payment(m.key, "20.00"), await payment(m.key, "30.50")];
  const lines = ["reference,amount,fee,currency,settled_at"];
  const amounts = ["10.00", "20.00", "30.50"];
  for (const [i, ref] of paid.entries()) lines.push(`${ref},${amounts[i]},0.10,MZN,2026-12-01`);
  for (let i = lines.length - 1; i < LINES; i++)
    lines.push(`UNKNOWN-${String(i).padStart(6, "0")},1.00,0.01,MZN,2026-12-01T10:00:00Z`);
  const body = `${lines.join("\r\n")}\r\n`;
  expect(lines.length).toBe(LINES + 1);

  const tag = `large-import-${crypto.randomUUID()}`;
  const res = await importReport({ upstream: "mobile_money", currency: "MZN", ...periodFrom(start) }, body, {
    "x-request-id": tag,
  });
  assertStatus(res, 201);
  expect(res.json).toMatchObject({
    status: "open",
    line_count: LINES,
    summary: { matched: 3, amount_mismatch: 0, missing_in_ledger: LINES - 3, missing_in_report: 0, duplicate: 0 },
  });

  // One statement starts the import, one per batch stages it, and one batch buckets, opens and reads it.
  const counts = z
    .object({ requests: z.number(), errors: z.number(), max_request_bytes: z.number() })
    .parse(await (await fetch(`${statsUrl}?tag=${tag}`)).json());
  expect(counts).toMatchObject({ requests: 2 + Math.ceil(LINES / BATCH_LINES), errors: 0 });
  expect(counts.max_request_bytes).toBeLessThan(NEON_REQUEST_CAP / 20);
  expect(counts.max_request_bytes).toBeGreaterThan(BATCH_LINES * 20);

  // Every line is an item, readable page by page.
  const items = expectStatus(
    await adminCall(routes.reconciliations.listReconciliationItems, {
      params: { id: res.json.id },
      query: { bucket: "matched" },
    }),
    200,
  );
  expect(items.items.map((i) => i.key)).toEqual(paid);
});
