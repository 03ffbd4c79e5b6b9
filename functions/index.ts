// Worker entrypoint: thin on purpose; the application lives in src/.
import { buildApp } from "../src/app";
import { runGatewayMonitor } from "../src/edge/gateway-monitor";
import type { Bindings } from "../src/env";
import { deliverWebhooks } from "../src/webhooks/outbound";

const app = buildApp();

export default {
  fetch: app.fetch,
  /** Cron Trigger: the SMS gateway availability monitor. */
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(runGatewayMonitor(env));
  },
  /** Queue consumer: outbound merchant webhooks (payments-edge-webhooks). */
  queue: (batch, env) => deliverWebhooks(batch, env),
} satisfies ExportedHandler<Bindings>;
