// The unit tests (test/unit/) alone, in plain Node: no workerd, no PostgreSQL cluster, no local Neon
// endpoint. They import pure modules only; `npm test` runs them again inside workerd with everything else.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["test/unit/**/*.test.ts"], environment: "node" },
});
