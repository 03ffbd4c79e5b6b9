// POST /oauth/token: OAuth 2.0 client credentials (RFC 6749 §4.4) for the crypto payments API.
// Errors are RFC 6749 §5.2 bodies {"error","error_description"}; every answer carries
// Cache-Control: no-store (§5.1).
import type { Context } from "hono";
import { ACCESS_TOKEN_TTL, authenticateClient, issueAccessToken, type OAuthScope } from "../../auth/oauth";
import { OAUTH_SCOPES } from "../../db/schema";
import type { AppEnv } from "../../env";
import { describeIssues } from "../../http/params";
import { countRequest, credentials } from "../../http/rate-limit";
import { database } from "../../http/request-db";
import { createSurface } from "../../http/surface";
import { AppError, type ErrorKind } from "../../lib/errors";
import * as routes from "./routes";

type OAuthErrorCode = (typeof routes.OAUTH_ERROR_CODES)[number];

/** An AppError carrying its RFC 6749 error code. */
class OAuthError extends AppError {
  constructor(
    readonly code: OAuthErrorCode,
    description: string,
  ) {
    super(code === "invalid_client" ? "unauthorized" : "bad_request", description);
  }
}

const CODE_OF_KIND: Partial<Record<ErrorKind, OAuthErrorCode>> = {
  unauthorized: "invalid_client",
  // RFC 6749 has no code of its own for a refusal to answer now: the one for "try again later".
  rate_limited: "temporarily_unavailable",
  internal: "server_error",
  unavailable: "temporarily_unavailable",
};

const renderOAuthError = (err: AppError, requestId: string) => ({
  error: err instanceof OAuthError ? err.code : (CODE_OF_KIND[err.kind] ?? "invalid_request"),
  error_description: err.message,
  ...(err.status >= 500 ? { request_id: requestId } : {}),
});

export const oauthApi = createSurface(renderOAuthError);

oauthApi.openAPIRegistry.registerComponent("securitySchemes", "oauthClientBasic", {
  type: "http",
  scheme: "basic",
  description: "OAuth client_id and client_secret",
});

oauthApi.use("*", async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
  c.header("Pragma", "no-cache");
});

type Credentials = { clientId: string; clientSecret: string };

/** HTTP Basic client authentication (RFC 6749 §2.3.1: both parts form-urlencoded, then base64). */
function basicCredentials(header: string): Credentials | null {
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (!match?.[1]) return null;
  let decoded: string;
  try {
    decoded = atob(match[1]);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  const part = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
  try {
    return { clientId: part(decoded.slice(0, colon)), clientSecret: part(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

/** The client_id a token request presents (HTTP Basic, else the form), before it is authenticated. */
async function presentedClientId(c: Context<AppEnv>): Promise<string | undefined> {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) return basicCredentials(authorization)?.clientId;
  const contentType = c.req.header("content-type") ?? "";
  // Read through the request's body cache, so the form validator after this finds the same bytes.
  const form = await new Response(await c.req.arrayBuffer(), { headers: { "content-type": contentType } })
    .formData()
    .catch(() => null);
  const ids = form?.getAll("client_id") ?? [];
  return ids.length === 1 && typeof ids[0] === "string" ? ids[0] : undefined;
}

// Token requests count per client_id presented: the secret is checked by the handler, so a wrong one
// counts too (which also slows guessing). Without a client_id nothing is counted; the answer is a 4xx.
oauthApi.use("/token", async (c, next) => {
  const clientId = await presentedClientId(c);
  if (clientId) await countRequest(c, "read", credentials.oauthClientId(clientId.slice(0, 100)));
  await next();
});

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The granted scopes: the requested subset of the client's scopes, in canonical order. */
function grantedScopes(requested: string | undefined, allowed: readonly OAuthScope[]): OAuthScope[] {
  if (requested === undefined) return OAUTH_SCOPES.filter((s) => allowed.includes(s));
  const tokens = requested.split(" ");
  if (tokens.some((t) => !SCOPE_TOKEN.test(t))) {
    throw new OAuthError("invalid_scope", "scope must be space-separated scope names");
  }
  const unknown = tokens.filter((t) => !(allowed as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw new OAuthError("invalid_scope", `Scope not allowed for this client: ${[...new Set(unknown)].join(" ")}`);
  }
  return OAUTH_SCOPES.filter((s) => tokens.includes(s));
}

oauthApi.openapi(
  routes.token,
  async (c) => {
    const form = c.req.valid("form");
    if (form.grant_type !== "client_credentials") {
      throw new OAuthError("unsupported_grant_type", `Unsupported grant_type: ${form.grant_type.slice(0, 50)}`);
    }

    const authorization = c.req.header("authorization");
    // RFC 6749 §5.2: a client that tried the Authorization header gets a challenge for its scheme.
    const clientFailure = (reason: string) => {
      if (authorization !== undefined) c.header("WWW-Authenticate", 'Basic realm="oauth"');
      return new OAuthError("invalid_client", `Client authentication failed: ${reason}`);
    };
    let credentials: Credentials;
    if (authorization !== undefined) {
      if (form.client_secret !== undefined) {
        throw new OAuthError("invalid_request", "Use one client authentication method: HTTP Basic or the body");
      }
      const basic = basicCredentials(authorization);
      if (!basic) throw clientFailure("malformed HTTP Basic credentials");
      if (form.client_id !== undefined && form.client_id !== basic.clientId) {
        throw new OAuthError("invalid_request", "client_id in the body does not match HTTP Basic");
      }
      credentials = basic;
    } else {
      if (form.client_id === undefined || form.client_secret === undefined) {
        throw clientFailure("no client credentials");
      }
      credentials = { clientId: form.client_id, clientSecret: form.client_secret };
    }

    const client = await authenticateClient(database(c), credentials.clientId, credentials.clientSecret);
    if (!client) throw clientFailure("unknown client or wrong secret");

    const scopes = grantedScopes(form.scope, client.scopes);
    const accessToken = await issueAccessToken(c.env.OAUTH_TOKEN_SECRET, client, scopes);
    return c.json(
      {
        access_token: accessToken,
        token_type: "Bearer" as const,
        expires_in: ACCESS_TOKEN_TTL,
        scope: scopes.join(" "),
      },
      200,
    );
  },
  (result): undefined => {
    if (result.success) return undefined;
    throw new OAuthError("invalid_request", describeIssues(result.error).message);
  },
);
