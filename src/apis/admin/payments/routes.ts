// Route of the payment lookup: find any payment or gateway event by an exact key (issue 20).
import { jsonContent } from "../../../http/openapi";
import { adminErrors, adminRoute } from "../route-base";
import { SearchQuery, SearchResults } from "./schemas";

export const searchPayments = adminRoute({
  operationId: "searchPayments",
  summary: "Find a payment by reference, order id, transaction id, payment id or event id",
  method: "get",
  path: "/payments",
  description:
    "Exact match on: a spec 001 mobile-money reference, a spec 004 transaction id or order id, a spec 003 " +
    "payment id, or an upstream event id. Each result has its status history, received events, ledger " +
    "transactions with all their legs, and merchant webhook deliveries. No match: an empty list.",
  request: { query: SearchQuery },
  responses: { 200: jsonContent(SearchResults, "The matches (at most 20)"), ...adminErrors },
});
