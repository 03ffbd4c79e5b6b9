// Handlers of the workspaces resource.
import { z } from "@hono/zod-openapi";
import type { AdminEnv } from "../../../auth/admin";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { AppError } from "../../../lib/errors";
import { auditMeta } from "../audit/record";
import { encodeKeyset, keysetAfter, keysetPage, UUID } from "../common";
import { adminErrorRenderer } from "../errors";
import { insertWorkspace, listWorkspaces, workspaceDetail } from "./queries";
import * as routes from "./routes";

export const workspacesAdmin = createSurface<AdminEnv>(adminErrorRenderer);

workspacesAdmin.openapi(routes.listWorkspaces, async (c) => {
  const { q, limit, cursor } = c.req.valid("query");
  const after = keysetAfter(cursor, z.tuple([z.string(), z.uuid()]));
  const rows = await listWorkspaces(database(c), {
    ...(q && UUID.test(q) ? { id: q } : { q: q || undefined }),
    after: after && { sortKey: after[0], id: after[1] },
    limit: limit + 1,
  });
  const { page, next_cursor } = keysetPage(rows, limit, (last) => encodeKeyset([last.sort_key, last.id]));
  return c.json({ workspaces: page.map(({ sort_key: _, ...w }) => w), next_cursor }, 200);
});

workspacesAdmin.openapi(routes.getWorkspace, async (c) => {
  const row = await workspaceDetail(database(c), c.req.valid("param").workspace_id);
  if (!row) throw new AppError("not_found", "Workspace not found");
  return c.json(row, 200);
});

workspacesAdmin.openapi(routes.createWorkspace, async (c) => {
  const { name } = c.req.valid("json");
  return c.json(await insertWorkspace(database(c), auditMeta(c), name), 201);
});
