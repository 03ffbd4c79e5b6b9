// Handler of the payment lookup.
import type { AdminEnv } from "../../../auth/admin";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { adminErrorRenderer } from "../errors";
import { searchPayments } from "./queries";
import * as routes from "./routes";

export const paymentsAdmin = createSurface<AdminEnv>(adminErrorRenderer);

paymentsAdmin.openapi(routes.searchPayments, async (c) => {
  const { q } = c.req.valid("query");
  return c.json({ results: await searchPayments(database(c), q) }, 200);
});
