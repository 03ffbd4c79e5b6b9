// Handlers of the gateway resource.
import type { AdminEnv } from "../../../auth/admin";
import { gatewayStatusMaxAge } from "../../../edge/gateway-config";
import { readEffectiveGatewayState } from "../../../edge/kv-state";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { auditMeta } from "../audit/record";
import { adminErrorRenderer } from "../errors";
import * as routes from "./routes";
import { setGatewayState } from "./service";

export const gatewayAdmin = createSurface<AdminEnv>(adminErrorRenderer);

gatewayAdmin.openapi(routes.putGatewayStatus, async (c) => {
  const { status, reason } = c.req.valid("json");
  return c.json(await setGatewayState(database(c), c.env.EDGE_KV, auditMeta(c), { status, reason }), 200);
});

gatewayAdmin.openapi(routes.getGatewayStatus, async (c) =>
  c.json(await readEffectiveGatewayState(c.env.EDGE_KV, gatewayStatusMaxAge(c.env)), 200),
);
