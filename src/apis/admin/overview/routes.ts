// Route of the overview: the back office's front page figures.
import { jsonContent } from "../../../http/openapi";
import { adminErrors, adminRoute } from "../route-base";
import { Overview } from "./schemas";

export const getOverview = adminRoute({
  operationId: "getOverview",
  summary: "Get the back office overview",
  method: "get",
  path: "/overview",
  description: "Counts of workspaces, accounts and today's ledger rows, and the newest failing merchant webhooks.",
  responses: { 200: jsonContent(Overview, "The overview"), ...adminErrors },
});
