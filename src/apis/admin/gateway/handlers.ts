// Handlers of the gateway resource.
import type { AdminEnv } from "../../../auth/admin";
import { gatewayStatusMaxAge } from "../../../edge/gateway-config";
import { mirror, readEffectiveGatewayState, readGatewayState, writeGatewayState } from "../../../edge/kv-state";
import { database } from "../../../http/request-db";
import { createSurface } from "../../../http/surface";
import { auditMeta } from "../audit/record";
import { adminErrorRenderer } from "../errors";
import { recordGatewayState } from "./queries";
import * as routes from "./routes";

export const gatewayAdmin = createSurface<AdminEnv>(adminErrorRenderer);

gatewayAdmin.openapi(routes.putGatewayStatus, async (c) => {
  const { status, reason } = c.req.valid("json");
  const actor = c.get("actor");
  const state = {
    status,
    updated_at: new Date().toISOString(),
    reason: reason ?? "set by portal admin",
    source: "admin" as const,
    set_by: actor.email,
  };
  // The audit row first (the database half); KV, which the APIs answer from, then.
  await recordGatewayState(database(c), auditMeta(c), await readGatewayState(c.env.EDGE_KV), state);
  await mirror("gateway state", writeGatewayState(c.env.EDGE_KV, state));
  return c.json(state, 200);
});

gatewayAdmin.openapi(routes.getGatewayStatus, async (c) =>
  c.json(await readEffectiveGatewayState(c.env.EDGE_KV, gatewayStatusMaxAge(c.env)), 200),
);
