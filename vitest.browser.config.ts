// The real-browser suite (test/browser/*.e2e.ts): Node, not workerd. Its global setup starts
// PostgreSQL and `wrangler dev`; playwright-core drives Debian's chromium against it.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/browser/**/*.e2e.ts"],
    globalSetup: ["./test/browser/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
