// Worker entrypoint: thin on purpose; the application lives in src/.
import { buildApp } from "../src/app";
import type { Bindings } from "../src/env";
import { deliverWebhooks } from "../src/outbound/deliveries";
import { runScheduled } from "../src/scheduled";

const app = buildApp();

export default {
  fetch: app.fetch,
  /** Cron Trigger (every minute): gateway monitor, stranded merchant webhooks, expired idempotency keys, account states in KV. */
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(runScheduled(env));
  },
  /** Queue consumer: outbound merchant webhooks (payments-edge-webhooks). */
  queue: (batch, env) => deliverWebhooks(batch, env),
} satisfies ExportedHandler<Bindings>;
