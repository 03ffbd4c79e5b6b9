// The pgbench baselines run the very SQL a case sends. Rather than copying statements out of the code
// (which drifts), the benchmark records them: it turns on `log_statement = 'all'` for one request,
// reads PostgreSQL's JSON log, and writes the statements with their bound parameters as literals.
import fs from "node:fs";
import pg from "pg";

const CONTROL_APP = "bench-control";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readFrom(file, offset) {
  if (!fs.existsSync(file)) return "";
  const size = fs.statSync(file).size;
  if (size <= offset) return "";
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    return buf.toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/** `parameters: $1 = 'a''b', $2 = NULL` → { 1: "'a''b'", 2: "NULL" } (values stay SQL literals). */
export function parseParameters(detail) {
  const params = {};
  const re = /\$(\d+) = ('(?:[^']|'')*'|NULL)(?:, |$)/gy;
  const body = detail.replace(/^parameters: /, "");
  re.lastIndex = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) params[m[1]] = m[2];
  return params;
}

/** The statement with every $n replaced by its literal. */
export function inlineParameters(text, params) {
  return text.replace(/\$(\d+)\b/g, (whole, n) => {
    if (!(n in params)) throw new Error(`no value logged for ${whole}`);
    return params[n];
  });
}

/**
 * Records the statements PostgreSQL receives while each step runs, in one logging session: before a
 * step, this module's own connection runs a marker statement naming it, so the log splits by step
 * (steps run one after the other). Returns Map<step name, SQL strings with literal parameters>.
 */
export async function captureStatements({ pgUrl, logFile }, steps) {
  const client = new pg.Client({ connectionString: pgUrl, application_name: CONTROL_APP });
  await client.connect();
  let text = "";
  try {
    await client.query("ALTER SYSTEM SET log_statement = 'all'");
    await client.query("SELECT pg_reload_conf()");
    await sleep(300);
    const offset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    try {
      for (const step of steps) {
        await client.query("SELECT $1::text AS bench_marker", [step.name]);
        await step.fn();
      }
      // The logging collector writes asynchronously: wait until the file stops growing.
      let last = -1;
      for (let i = 0; i < 30; i++) {
        await sleep(100);
        const size = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
        if (size === last) break;
        last = size;
      }
      text = readFrom(logFile, offset);
    } finally {
      await client.query("ALTER SYSTEM RESET log_statement");
      await client.query("SELECT pg_reload_conf()");
    }
  } finally {
    await client.end();
  }
  const byStep = new Map(steps.map((s) => [s.name, []]));
  let current = null;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const message = entry.message ?? "";
    if (entry.application_name === CONTROL_APP) {
      if (message.includes("bench_marker"))
        current = parseParameters(entry.detail ?? "")
          ["1"]?.slice(1, -1)
          .replace(/''/g, "'");
      continue;
    }
    const list = byStep.get(current);
    if (!list) continue;
    let m = /^statement: ([\s\S]*)$/.exec(message);
    if (m) {
      list.push(m[1].trim());
      continue;
    }
    m = /^execute [^:]*: ([\s\S]*)$/.exec(message);
    if (m) list.push(inlineParameters(m[1].trim(), parseParameters(entry.detail ?? "")));
  }
  return byStep;
}

/**
 * A pgbench script of `statements`; `substitutions` replace literal text with pgbench expressions
 * (per-transaction unique idempotency keys, a random spread account) and `preamble` sets variables.
 */
export function pgbenchScript(statements, { substitutions = [], preamble = [] } = {}) {
  const body = statements.map((s) => {
    let out = s;
    for (const [from, to] of substitutions) out = out.split(from).join(to);
    return `${out.replace(/;\s*$/, "")};`;
  });
  return `${[...preamble, ...body].join("\n")}\n`;
}
