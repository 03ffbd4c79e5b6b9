// Handlers of the gateway resource.
import type { AdminEnv } from "../../../auth/admin";
import { gatewayStatusMaxAge } from "../../../edge/gateway-config";
import { readEffectiveGatewayState, writeGatewayState } from "../../../edge/kv-state";
import { createSurface } from "../../shared/surface";
import { adminErrorRenderer } from "../errors";
import * as routes from "./routes";

export const gatewayAdmin = createSurface<AdminEnv>(adminErrorRenderer);

gatewayAdmin.openapi(routes.putGatewayStatus, async (c) => {
  const { status, reason } = c.req.valid("json");
  const state = {
    status,
    updated_at: new Date().toISOString(),
    reason: reason ?? "set by portal admin",
    source: "admin" as const,
  };
  await writeGatewayState(c.env.EDGE_KV, state);
  return c.json(state, 200);
});

gatewayAdmin.openapi(routes.getGatewayStatus, async (c) =>
  c.json(await readEffectiveGatewayState(c.env.EDGE_KV, gatewayStatusMaxAge(c.env)), 200),
);
