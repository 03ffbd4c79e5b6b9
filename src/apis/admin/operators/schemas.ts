// Bodies and answers of the operators resource.
import { z } from "@hono/zod-openapi";
import { OPERATOR_ROLES } from "../../../db/schema";

const email = z
  .email({ message: "email must be an email address" })
  .max(254)
  .transform((e) => e.toLowerCase())
  .openapi({ example: "ana@example.com" });
const role = z.enum(OPERATOR_ROLES).openapi({
  description: "viewer: reads; operator: day-to-day changes and adjustments; approver: also approves; admin: all",
});

export const CreateOperator = z.object({ email, role }).strict();
export const UpdateOperator = z.object({ role }).strict();

export const Operator = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(OPERATOR_ROLES),
    created_at: z.string(),
    disabled_at: z.string().nullable(),
  })
  .openapi("Operator");

export const OperatorCreated = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(OPERATOR_ROLES),
    token: z.string().openapi({ description: "The admin API token (op_…), shown only in this response" }),
  })
  .openapi("OperatorCreated");

export const OperatorList = z.object({ operators: z.array(Operator) }).openapi("OperatorList");
