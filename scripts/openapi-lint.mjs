// `npm run lint:openapi`: Redocly's recommended rules, warnings failing too (redocly.yaml), on the
// /openapi.json that the real worker serves: the deploy bundle (`wrangler deploy --dry-run`) under
// workerd through Miniflare, no database needed. The document is kept in dist/openapi.json; the only
// findings ignored (.redocly.lint-ignore.yaml) are spec 004's own trailing-slash paths, the customer's
// contract, and the local server URL that `npm run dev` serves.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "./lib/local-vars.mjs";
import { buildWorker, serveWorker, wranglerConfig } from "./lib/stack.mjs";

const outdir = path.join(projectRoot, "dist");
const documentPath = path.join(outdir, "openapi.json");

const worker = await serveWorker({ scriptPath: buildWorker(outdir), config: await wranglerConfig() });
try {
  const res = await worker.mf.dispatchFetch("http://localhost/openapi.json");
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}: ${await res.text()}`);
  fs.writeFileSync(documentPath, `${JSON.stringify(await res.json(), null, 2)}\n`);
} finally {
  await worker.dispose();
}
console.log(`[openapi] ${path.relative(projectRoot, documentPath)} from the worker`);

try {
  execFileSync(
    path.join(projectRoot, "node_modules/.bin/redocly"),
    ["lint", path.relative(projectRoot, documentPath)],
    {
      cwd: projectRoot,
      stdio: "inherit",
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    },
  );
} catch {
  process.exit(1);
}
