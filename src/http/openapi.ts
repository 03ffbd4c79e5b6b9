import { z } from "@hono/zod-openapi";

/** An OpenAPI JSON response (or request) content entry. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

/** A required JSON request body, for createRoute's `request`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

/** The 429 of a surface: its own error body, and Retry-After. */
export const rateLimited = <T extends z.ZodType>(schema: T, credential: string) => ({
  content: { "application/json": { schema } },
  description:
    `Past the rate limit of this ${credential} (README, "Rate limits"): the request did nothing. ` +
    "Retry after Retry-After seconds.",
  headers: {
    "Retry-After": {
      schema: { type: "integer" as const },
      description: "Seconds to wait: the limit's whole period (60, or 10)",
    },
  },
});

/**
 * The Idempotency-Key request header, documented once for every write that takes it (the handler
 * validates it with validateIdempotencyKey, so a bad key answers in the surface's own shape).
 */
export const IdempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .openapi({
      description:
        "1-255 printable ASCII characters. A retry with the same key and body replays the first answer " +
        "(header Idempotent-Replayed: true) without posting again, also when that answer was a refusal for a " +
        "business reason (insufficient funds, suspended account); the same key with another body → 422; " +
        "while the first is still running → 409. Answers are kept 48 h. A request refused by validation, " +
        "by its credentials or by the rate limit never ran and is not stored.",
    }),
});
