// Worker entrypoint: thin on purpose; the application lives in src/.
import { buildApp } from "../src/app";
import { runGatewayMonitor } from "../src/edge/gateway-monitor";
import type { Bindings } from "../src/env";

const app = buildApp();

export default {
  fetch: app.fetch,
  /** Cron Trigger: the SMS gateway availability monitor. */
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(runGatewayMonitor(env));
  },
} satisfies ExportedHandler<Bindings>;
