// Handler of the overview.
import type { AdminEnv } from "../../../auth/admin";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { adminErrorRenderer } from "../errors";
import { overview } from "./queries";
import * as routes from "./routes";

export const overviewAdmin = createSurface<AdminEnv>(adminErrorRenderer);

overviewAdmin.openapi(routes.getOverview, async (c) => c.json(await overview(database(c)), 200));
