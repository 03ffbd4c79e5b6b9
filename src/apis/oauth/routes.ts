import { createRoute, z } from "@hono/zod-openapi";
import { jsonContent, rateLimited } from "../../http/openapi";

/** RFC 6749 §5.2 error codes. */
export const OAUTH_ERROR_CODES = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
  "server_error",
  "temporarily_unavailable",
] as const;

const param = (name: string) =>
  z.string({
    error: (issue) =>
      issue.input === undefined ? `${name} is required` : `${name} must be given exactly once, as text`,
  });

/** The form fields of a token request. Unknown fields are ignored (RFC 6749 §3.2). */
export const TokenRequest = z
  .object({
    grant_type: param("grant_type").openapi({ example: "client_credentials" }),
    scope: param("scope").optional().openapi({
      description: "Space-separated subset of the client's scopes; all of them by default",
      example: "read",
    }),
    client_id: param("client_id")
      .optional()
      .openapi({ description: "Client authentication in the body, when HTTP Basic is not used" }),
    client_secret: param("client_secret").optional(),
  })
  .openapi("OAuthTokenRequest");

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().openapi({ example: 3600 }),
    scope: z.string().openapi({ example: "read write" }),
  })
  .openapi("OAuthTokenResponse");

export const OAuthErrorBody = z
  .object({
    error: z.enum(OAUTH_ERROR_CODES),
    error_description: z.string(),
    request_id: z.string().optional(),
  })
  .openapi("OAuthError");

export const token = createRoute({
  method: "post",
  path: "/token",
  operationId: "issueAccessToken",
  summary: "Issue an access token (client credentials)",
  tags: ["OAuth 2.0"],
  security: [{ oauthClientBasic: [] }],
  description:
    "Client credentials grant (RFC 6749 §4.4). Client authentication by HTTP Basic " +
    "(`base64(client_id:client_secret)`) or by `client_id`/`client_secret` in the form, never both. " +
    "Scopes: `read` (list payments, read a payment) and `write` (create payments). The access token is a " +
    "bearer token valid for `expires_in` seconds. Errors follow RFC 6749 §5.2: `invalid_client` answers 401 " +
    "(with `WWW-Authenticate: Basic` when Basic was used), the others 400.",
  request: {
    body: { content: { "application/x-www-form-urlencoded": { schema: TokenRequest } }, required: true },
  },
  responses: {
    200: jsonContent(TokenResponse, "An access token (Cache-Control: no-store)"),
    400: jsonContent(
      OAuthErrorBody,
      "invalid_request, unsupported_grant_type or invalid_scope (also for a body that is not form-encoded)",
    ),
    401: jsonContent(
      OAuthErrorBody,
      "invalid_client: unknown client, wrong secret, revoked client, no client authentication",
    ),
    413: jsonContent(OAuthErrorBody, "invalid_request: the body is larger than the body limit"),
    429: rateLimited(OAuthErrorBody, "client_id (error `temporarily_unavailable`)"),
    503: jsonContent(OAuthErrorBody, "temporarily_unavailable: the database is unreachable"),
  },
});
