import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { copyDocsAssets } from "./scripts/lib/docs-assets.mjs";
import { freePort, readVarsFile } from "./scripts/lib/local-vars.mjs";

// The /docs bundle in public/docs/ (wrangler's [build] step makes it for dev and deploy).
copyDocsAssets();

// Fresh ports per run, handed to test/global-setup.ts (same process) through the environment.
process.env.TEST_PG_PORT ??= String(await freePort());
process.env.TEST_NEON_HTTP_PORT ??= String(await freePort());
process.env.TEST_FAKE_GATEWAY_PORT ??= String(await freePort());
process.env.TEST_ACCESS_PORT ??= String(await freePort());
process.env.TEST_HELD_POSTING_PORT ??= String(await freePort());
const defaults = readVarsFile("./scripts/local-defaults.vars") as Record<string, string>;
const databaseUrl =
  process.env.TEST_DATABASE_URL ??
  `postgres://postgres:local-postgres-password@127.0.0.1:${process.env.TEST_PG_PORT}/payments_test`;

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ...defaults,
          DATABASE_URL: databaseUrl,
          LOCAL_NEON_HTTP_ENDPOINT: `http://127.0.0.1:${process.env.TEST_NEON_HTTP_PORT}/sql`,
          // A database address nothing listens on: for the "database is down" tests.
          UNREACHABLE_DATABASE_URL: "postgres://postgres:local-postgres-password@127.0.0.1:1/none",
          // The fake SMS gateway started by test/global-setup.ts (test/fakes/sms-gateway.mjs).
          FAKE_SMS_GATEWAY_URL: `http://127.0.0.1:${process.env.TEST_FAKE_GATEWAY_PORT}`,
          // Cloudflare Access, played by the stand-in issuer of test/global-setup.ts (scripts/lib/access-issuer.mjs).
          ACCESS_TEAM_DOMAIN: `http://127.0.0.1:${process.env.TEST_ACCESS_PORT}`,
          ACCESS_AUD: "payments-edge-test-aud",
          ACCESS_JWKS_COOLDOWN_SECONDS: "0",
          // Upstream health (issue 20): the gateway's credits count as past their window at once.
          SETTLEMENT_WINDOW_DAYS_SMS_GATEWAY: "0",
          // A Node-side PostgreSQL session that holds a posting open (test/fakes/held-posting.mjs).
          HELD_POSTING_URL: `http://127.0.0.1:${process.env.TEST_HELD_POSTING_PORT}`,
        },
        // The worker's database requests, as in the bench (scripts/lib/stack.mjs localNeonBinding).
        serviceBindings: {
          LOCAL_NEON_HTTP: { external: { address: `127.0.0.1:${process.env.TEST_NEON_HTTP_PORT}`, http: {} } },
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
