// Why: an upstream's Standard Webhooks signature is its credential, so OpenAPI (and the clients generated
// from it) must show it as each receiver's security scheme, not as an undocumented header.
import type { Surface } from "../http/surface";

/**
 * Registers `scheme` on the receiver's surface: the `webhook-signature` header as an apiKey-in-header
 * scheme, keyed with the `secret` named here. Answers the route's `security` requirement.
 */
export function signatureSecurity(surface: Surface, scheme: string, secret: string) {
  surface.openAPIRegistry.registerComponent("securitySchemes", scheme, {
    type: "apiKey",
    in: "header",
    name: "webhook-signature",
    description:
      "Standard Webhooks signature: space-separated `v1,<base64 HMAC-SHA256>` values over " +
      `\`webhook-id.webhook-timestamp.body\`, keyed with the \`whsec_\` secret \`${secret}\` (several during a ` +
      "rotation). `webhook-timestamp` (Unix seconds) must be within 5 minutes of now.",
  });
  return [{ [scheme]: [] }];
}
