// Routes of the gateway resource: read and set the SMS gateway's state.
import { jsonBody, jsonContent } from "../../../http/openapi";
import { adminErrors, adminRoute } from "../route-base";
import { EffectiveGatewayStatusBody, GatewayStatusBody, PutGatewayStatus } from "./schemas";

export const putGatewayStatus = adminRoute({
  operationId: "putGatewayStatus",
  summary: "Set the SMS gateway's state",
  method: "put",
  path: "/gateway-status",
  request: jsonBody(PutGatewayStatus),
  responses: { 200: jsonContent(GatewayStatusBody, "Stored in KV"), ...adminErrors },
});

export const getGatewayStatus = adminRoute({
  operationId: "getGatewayStatus",
  summary: "Get the SMS gateway's state",
  method: "get",
  path: "/gateway-status",
  responses: {
    200: jsonContent(EffectiveGatewayStatusBody, "The SMS gateway state, when it changed and why"),
    ...adminErrors,
  },
});
