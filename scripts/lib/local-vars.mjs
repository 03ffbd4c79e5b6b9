// Reads KEY=VALUE files (scripts/local-defaults.vars, .dev.vars): `#` comments, blank lines ignored.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** @param {string} file @returns {Record<string, string>} */
export function readVarsFile(file) {
  if (!fs.existsSync(file)) return {};
  /** @type {Record<string, string>} */
  const vars = {};
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match && !line.trimStart().startsWith("#")) vars[match[1]] = match[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

/** The documented local defaults, overridden by .dev.vars when present. @returns {Record<string, string>} */
export function localVars() {
  return {
    ...readVarsFile(path.join(projectRoot, "scripts/local-defaults.vars")),
    ...readVarsFile(path.join(projectRoot, ".dev.vars")),
  };
}

/** A TCP port free on loopback right now. @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}
