// Copies the Scalar API reference bundle (an npm devDependency) into public/docs/, served by Workers
// Static Assets, so /docs renders with no CDN and no network. Run by wrangler's [build] step (dev,
// deploy, dry run) and by the test config; copies only when the installed bundle changed.
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "./local-vars.mjs";

const source = path.join(projectRoot, "node_modules/@scalar/api-reference/dist/browser/standalone.js");
export const DOCS_BUNDLE = path.join(projectRoot, "public/docs/api-reference.js");

export function copyDocsAssets() {
  if (!fs.existsSync(source)) throw new Error(`${source} is missing: run npm install`);
  const from = fs.statSync(source);
  const to = fs.existsSync(DOCS_BUNDLE) ? fs.statSync(DOCS_BUNDLE) : null;
  if (to && to.size === from.size && to.mtimeMs >= from.mtimeMs) return false;
  fs.mkdirSync(path.dirname(DOCS_BUNDLE), { recursive: true });
  fs.copyFileSync(source, DOCS_BUNDLE);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) copyDocsAssets();
