// The unit tests (test/unit/) alone, in the same workerd pool, without the global setup: no PostgreSQL
// cluster, no local Neon endpoint. They import pure modules; `npm test` runs them with everything else.
import { defineConfig } from "vitest/config";
import suite from "./vitest.config";

export default defineConfig({
  ...suite,
  test: { ...suite.test, include: ["test/unit/**/*.test.ts"], globalSetup: [] },
});
