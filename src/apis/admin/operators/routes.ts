// Routes of the operators resource: the people who run the back office, their roles and tokens.
import { jsonBody, jsonContent } from "../../../http/openapi";
import { uuidParam } from "../../../http/params";
import { AdminError } from "../errors";
import { adminErrors, adminRoute } from "../route-base";
import { CreateOperator, Operator, OperatorCreated, OperatorList, UpdateOperator } from "./schemas";

export const listOperators = adminRoute({
  operationId: "listOperators",
  summary: "List operators",
  method: "get",
  path: "/operators",
  description: "Every operator by email, disabled ones included.",
  responses: { 200: jsonContent(OperatorList, "The operators"), ...adminErrors },
});

export const createOperator = adminRoute({
  operationId: "createOperator",
  summary: "Create an operator",
  method: "post",
  path: "/operators",
  description: "A named operator with a role. Its admin API token is shown once and stored as a hash.",
  request: jsonBody(CreateOperator),
  responses: {
    201: jsonContent(OperatorCreated, "The operator and its token"),
    ...adminErrors,
    409: jsonContent(AdminError, "An operator with this email exists"),
  },
});

export const updateOperator = adminRoute({
  operationId: "updateOperator",
  summary: "Change an operator's role",
  method: "patch",
  path: "/operators/{id}",
  request: { params: uuidParam("id"), ...jsonBody(UpdateOperator) },
  responses: { 200: jsonContent(Operator, "The operator"), ...adminErrors },
});

export const disableOperator = adminRoute({
  operationId: "disableOperator",
  summary: "Disable an operator",
  method: "delete",
  path: "/operators/{id}",
  description: "The operator's token and Access sign-in stop at once. The operator stays in the audit trail.",
  request: { params: uuidParam("id") },
  responses: { 204: { description: "Disabled" }, ...adminErrors },
});
