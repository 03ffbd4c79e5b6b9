// Worker entrypoint: thin on purpose; the application lives in src/.
import { buildApp } from "../src/app";
import { runGatewayMonitor } from "../src/edge/gateway-monitor";
import type { Bindings } from "../src/env";
import { deliverWebhooks, requeueStrandedDeliveries } from "../src/webhooks/outbound";

const app = buildApp();

export default {
  fetch: app.fetch,
  /** Cron Trigger (every minute): the SMS gateway monitor, and the sweep of stranded merchant webhooks. */
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(Promise.allSettled([runGatewayMonitor(env), requeueStrandedDeliveries(env)]));
  },
  /** Queue consumer: outbound merchant webhooks (payments-edge-webhooks). */
  queue: (batch, env) => deliverWebhooks(batch, env),
} satisfies ExportedHandler<Bindings>;
