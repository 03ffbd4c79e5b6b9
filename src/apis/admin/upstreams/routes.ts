// Route of the upstream health: stuck money and completeness of one upstream's events (issue 20).
import { jsonContent } from "../../../http/openapi";
import { adminErrors, adminRoute } from "../route-base";
import { ClearingOverview, HealthParams, HealthQuery, UpstreamHealth } from "./schemas";

export const getUpstreamHealth = adminRoute({
  operationId: "getUpstreamHealth",
  summary: "Get an upstream's stuck money and event completeness",
  method: "get",
  path: "/upstreams/{upstream}/health",
  description:
    "The clearing balance (opening balance shown apart), the unsettled credits older than the upstream's " +
    "settlement window (SETTLEMENT_WINDOW_DAYS_<UPSTREAM>, default 3 days), oldest first; verified events " +
    "that were refused and never posted; credits of the last 30 days with no received event.",
  request: { params: HealthParams, query: HealthQuery },
  responses: { 200: jsonContent(UpstreamHealth, "The upstream's health in that currency"), ...adminErrors },
});

export const listUpstreamClearing = adminRoute({
  operationId: "listUpstreamClearing",
  summary: "List each upstream's clearing balance and money past its window",
  method: "get",
  path: "/upstreams",
  description: "Per upstream and currency: the clearing balance and the unsettled credits past the settlement window.",
  responses: { 200: jsonContent(ClearingOverview, "Every upstream's clearing accounts"), ...adminErrors },
});
