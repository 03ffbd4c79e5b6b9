// Handlers of the ledger resource.
import { z } from "@hono/zod-openapi";
import type { AdminEnv } from "../../../auth/admin";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { AppError } from "../../../lib/errors";
import { encodeKeyset, keysetAfter, keysetPage } from "../common";
import { adminErrorRenderer } from "../errors";
import { ledgerTransaction, systemAccountEntries, trialBalance } from "./queries";
import * as routes from "./routes";

export const ledgerAdmin = createSurface<AdminEnv>(adminErrorRenderer);

ledgerAdmin.openapi(routes.getTrialBalance, async (c) => c.json({ currencies: await trialBalance(database(c)) }, 200));

ledgerAdmin.openapi(routes.getLedgerTransaction, async (c) => {
  const { transaction_id } = c.req.valid("param");
  const tx = await ledgerTransaction(database(c), transaction_id);
  if (!tx) throw new AppError("not_found", "Ledger transaction not found");
  return c.json(tx, 200);
});

const LEG_CURSOR = z.tuple([z.number().int().positive()]);

ledgerAdmin.openapi(routes.listSystemAccountEntries, async (c) => {
  const { code } = c.req.valid("param");
  const { currency, limit, cursor } = c.req.valid("query");
  const before = keysetAfter(cursor, LEG_CURSOR);
  const rows = await systemAccountEntries(database(c), code, currency, { beforeId: before?.[0], limit: limit + 1 });
  const { page, next_cursor } = keysetPage(rows, limit, (last) => encodeKeyset([last.id]));
  return c.json({ entries: page.map(({ id: _leg, ...entry }) => entry), next_cursor }, 200);
});
