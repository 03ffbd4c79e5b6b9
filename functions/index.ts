// Worker entrypoint: thin on purpose; the application lives in src/.
import { buildApp } from "../src/app";
import type { Bindings } from "../src/env";

const app = buildApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
