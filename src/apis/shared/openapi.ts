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
        "(header Idempotent-Replayed: true) without posting again; the same key with another body → 422; " +
        "while the first is still running → 409. Answers are kept 48 h.",
    }),
});
