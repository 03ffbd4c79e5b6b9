/** @jsxImportSource hono/jsx */
// The back office routes of issue 20 (reconciliations, upstream health, payment lookup), mounted by
// src/portal/index.tsx. Like every portal route they hold no SQL: each calls the admin API in-process.
import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { searchPayments } from "../apis/admin/payments/routes";
import {
  exportReconciliationItems,
  getReconciliation,
  importReconciliation,
  listReconciliationItems,
  listReconciliations,
  resolveReconciliationItem,
  settleReconciliation,
} from "../apis/admin/reconciliations/routes";
import { getUpstreamHealth } from "../apis/admin/upstreams/routes";
import type { AppEnv } from "../env";
import type { AdminClient } from "./admin-client";
import { doneNoticeOf } from "./notices";
import { HealthPage, PaymentsPage, ReconciliationPage, ReconciliationsPage } from "./views/reconciliations";

type C = Context<AppEnv>;
type ErrorPage = (c: C, status: ContentfulStatusCode, title: string, message: string) => Response | Promise<Response>;

/** Fixed texts for ?done=… on these pages. */
const DONE = {
  resolved: "Item resolved.",
  settled: "Settled.",
  imported: "Report imported.",
  replayed: "This file was imported before: here is that reconciliation.",
} as const;
const doneNotice = doneNoticeOf(DONE);
const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");
const ID = /^[0-9a-f-]{36}$/i;

export function mountReconciliationPages(portal: Hono<AppEnv>, { call: admin, raw }: AdminClient, page: ErrorPage) {
  const listPage = async (c: C, extra: { error?: string; status?: ContentfulStatusCode } = {}) => {
    const list = await admin(c, listReconciliations, {
      query: { limit: "50", cursor: c.req.query("cursor") || undefined },
    });
    if (!list.ok) return page(c, list.status, "Reconciliations", list.message);
    return c.html(
      <ReconciliationsPage list={list.body} notice={doneNotice(c)} error={extra.error} />,
      extra.status ?? 200,
    );
  };

  portal.get("/reconciliations", (c) => listPage(c));

  portal.post("/reconciliations", async (c) => {
    const form = await c.req.parseBody();
    const report = form.report;
    if (!(report instanceof File)) return listPage(c, { error: "Choose the report's CSV file.", status: 400 });
    const res = await admin(c, importReconciliation, {
      query: { upstream: text(form.upstream), currency: text(form.currency), from: text(form.from), to: text(form.to) },
      body: report.stream(),
    });
    if (!res.ok) return listPage(c, { error: res.message, status: res.status });
    return c.redirect(
      `/portal/reconciliations/${res.body.id}?done=${res.status === 201 ? "imported" : "replayed"}`,
      303,
    );
  });

  const reconciliationPage = async (
    c: C,
    id: string,
    extra: { error?: string; status?: ContentfulStatusCode } = {},
  ) => {
    if (!ID.test(id)) return page(c, 404, "Reconciliation", "No such reconciliation.");
    const bucket = c.req.query("bucket");
    const [one, items] = await Promise.all([
      admin(c, getReconciliation, { params: { id } }),
      admin(c, listReconciliationItems, {
        params: { id },
        query: { limit: "200", bucket: bucket || undefined, cursor: c.req.query("cursor") || undefined },
      }),
    ]);
    if (!one.ok) return page(c, one.status, "Reconciliation", one.message);
    if (!items.ok) return page(c, items.status, "Reconciliation", items.message);
    return c.html(
      <ReconciliationPage
        reconciliation={one.body}
        items={items.body.items}
        nextCursor={items.body.next_cursor}
        bucket={bucket}
        notice={doneNotice(c)}
        error={extra.error}
      />,
      extra.status ?? 200,
    );
  };

  portal.get("/reconciliations/:id", (c) => reconciliationPage(c, c.req.param("id")));

  portal.get("/reconciliations/:id/items.csv", async (c) => {
    const id = c.req.param("id");
    if (!ID.test(id)) return page(c, 404, "Reconciliation", "No such reconciliation.");
    const bucket = c.req.query("bucket");
    const res = await raw(c, exportReconciliationItems, { params: { id }, query: { bucket: bucket || undefined } });
    if (res.status !== 200) return page(c, 404, "Reconciliation", "No such reconciliation or bucket.");
    return res;
  });

  portal.post("/reconciliations/:id/items/:item/resolve", async (c) => {
    const { id, item } = c.req.param();
    const form = await c.req.parseBody();
    const res = await admin(c, resolveReconciliationItem, {
      params: { id, item_id: item },
      json: { action: text(form.action), note: text(form.note) },
      headers: { "idempotency-key": text(form.idempotency_key) },
    });
    const bucket = c.req.query("bucket");
    if (!res.ok) return reconciliationPage(c, id, { error: res.message, status: res.status });
    return c.redirect(
      `/portal/reconciliations/${id}?${new URLSearchParams({ ...(bucket ? { bucket } : {}), done: "resolved" })}`,
      303,
    );
  });

  portal.post("/reconciliations/:id/settle", async (c) => {
    const id = c.req.param("id");
    const form = await c.req.parseBody();
    const res = await admin(c, settleReconciliation, {
      params: { id },
      query: { partial: c.req.query("partial") === "true" ? "true" : undefined },
      headers: { "idempotency-key": text(form.idempotency_key) },
    });
    if (!res.ok) return reconciliationPage(c, id, { error: res.message, status: res.status });
    return c.redirect(`/portal/reconciliations/${id}?done=settled`, 303);
  });

  portal.get("/upstreams/:upstream/health", async (c) => {
    const upstream = c.req.param("upstream");
    const currency = (c.req.query("currency") ?? "").trim().toUpperCase();
    if (!currency) return c.html(<HealthPage upstream={upstream} currency="" />);
    const res = await admin(c, getUpstreamHealth, { params: { upstream }, query: { currency } });
    if (!res.ok) return c.html(<HealthPage upstream={upstream} currency={currency} error={res.message} />, res.status);
    return c.html(<HealthPage upstream={upstream} currency={currency} health={res.body} />);
  });

  portal.get("/payments", async (c) => {
    const q = (c.req.query("lookup") ?? "").trim();
    if (!q) return c.html(<PaymentsPage q="" />);
    const res = await admin(c, searchPayments, { query: { q } });
    if (!res.ok) return c.html(<PaymentsPage q={q} error={res.message} />, res.status);
    return c.html(<PaymentsPage q={q} results={res.body.results} />);
  });
}
