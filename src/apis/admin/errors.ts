// The admin API's error envelope: every admin router and the app's error handler render through it.
import { z } from "@hono/zod-openapi";
import type { ErrorRenderer } from "../../http/surface";

export const adminErrorRenderer: ErrorRenderer = (err, requestId) => ({
  error: {
    code: err.kind,
    message: err.message,
    ...(err.details ? { details: err.details } : {}),
    ...(err.status >= 500 ? { request_id: requestId } : {}),
  },
});

export const AdminError = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.array(z.string())).optional(),
      request_id: z.string().optional(),
    }),
  })
  .openapi("AdminError");
