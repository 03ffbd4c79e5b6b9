// The benchmark's table and JSON. Targets are ratios to a baseline measured in the same run.
export const TARGETS = { list: 0.5, write: 0.5, kv: 0.8 };
/**
 * Issue 22's yardstick, CPU per tier: the worker's CPU per call ÷ the floor worker's (÷ the trivial
 * worker's for the KV-decided answers) loaded just before and after the case, at most this; and
 * PostgreSQL's ÷ the case's SQL under pgbench.
 */
export const CPU_TARGETS = { list: 1.5, write: 2.0, kv: 1.25 };
export const PG_CPU_TARGET = 1.5;

const pad = (s, n, right = false) => (right ? String(s).padStart(n) : String(s).padEnd(n));
const fixed = (n, d) => (n === null || n === undefined ? "-" : n.toFixed(d));

export function printTable(
  results,
  {
    rows,
    seconds,
    baseline_seconds,
    connections,
    pgbouncer,
    trivial_rps,
    trivial_cpu_ms_per_call,
    floor_rps,
    floor_cpu_ms_per_call,
    reset_sql_cpu_ms_per_call,
    rounds,
  },
) {
  const header = [
    "case",
    "req/s",
    "p50 ms",
    "p99 ms",
    "db/call",
    "baseline",
    "base/s",
    "ratio",
    "ceiling/s",
    "ceil ratio",
    "trivial ratio",
    "target",
    "CPU ms/call worker/endpoint/pg",
    "worker CPU ratio",
    "pg CPU ratio (SQL ms)",
  ];
  const lines = results.map((r) => {
    const target = TARGETS[r.kind];
    const verdict = r.ratio >= target ? "ok" : "MISS";
    const errors = r.non2xx || r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} socket errors)` : "";
    return [
      r.name + errors,
      r.rps.toFixed(0),
      r.p50_ms.toFixed(1),
      r.p99_ms.toFixed(1),
      fixed(r.db_requests_per_call, 2),
      r.baseline,
      r.baseline_rps.toFixed(0),
      r.ratio.toFixed(2),
      fixed(r.ceiling_rps, 0),
      fixed(r.ceiling_ratio, 2),
      r.trivial_ratio.toFixed(2),
      `≥${target} ${verdict}`,
      r.cpu_ms_per_call
        ? [r.cpu_ms_per_call.worker, r.cpu_ms_per_call.endpoint, r.cpu_ms_per_call.postgres]
            .map((n) => n.toFixed(2))
            .join(" / ")
        : "-",
      r.worker_cpu_ratio === null || r.worker_cpu_ratio === undefined
        ? "-"
        : `${r.worker_cpu_ratio.toFixed(2)} ≤${CPU_TARGETS[r.kind]} ${r.worker_cpu_ratio <= CPU_TARGETS[r.kind] ? "ok" : "MISS"}`,
      r.pg_cpu_ratio === null || r.pg_cpu_ratio === undefined
        ? "-"
        : `${r.pg_cpu_ratio.toFixed(2)} (${r.sql_cpu_ms_per_call.toFixed(3)}) ≤${PG_CPU_TARGET} ${r.pg_cpu_ratio <= PG_CPU_TARGET ? "ok" : "MISS"}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const numeric = new Set([1, 2, 3, 4, 6, 7, 8, 9, 10]);
  const fmt = (cells) => cells.map((c, i) => pad(c, widths[i], numeric.has(i))).join("  ");
  console.log(
    `\nrows ${rows.toLocaleString("en")}, ${seconds} s per case (pgbench ${baseline_seconds} s each), ` +
      (rounds > 1 ? `median of ${rounds} rounds, ` : "") +
      `${connections} connections, ${pgbouncer ? "pgbouncer (transaction mode)" : "no pgbouncer"}; ` +
      `trivial worker ${trivial_rps.toFixed(0)} req/s` +
      (trivial_cpu_ms_per_call ? ` (worker CPU ${trivial_cpu_ms_per_call} ms/call)` : "") +
      (floor_rps ? `; floor worker ${floor_rps.toFixed(0)} req/s` : "") +
      (floor_cpu_ms_per_call ? ` (worker CPU ${floor_cpu_ms_per_call} ms/call)` : "") +
      (reset_sql_cpu_ms_per_call ? `; pooled-connection reset ${reset_sql_cpu_ms_per_call} ms of PostgreSQL CPU` : ""),
  );
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
}

/** `--out FILE`: today's fields per case (name, rps, ratio… unchanged) plus the issue 11 ones. */
export function toJson(results, meta) {
  const round = (n, d) => (n === null || n === undefined ? null : Math.round(n * 10 ** d) / 10 ** d);
  return {
    rows: meta.rows,
    ...meta,
    trivial_rps: round(meta.trivial_rps, 1),
    floor_rps: round(meta.floor_rps, 1),
    cases: results.map((r) => ({
      name: r.name,
      rps: round(r.rps, 1),
      p50_ms: round(r.p50_ms, 2),
      p99_ms: round(r.p99_ms, 2),
      baseline: r.baseline,
      baseline_rps: round(r.baseline_rps, 1),
      ratio: round(r.ratio, 3),
      kind: r.kind,
      api_calls: r.api_calls,
      db_requests: r.db_requests,
      db_requests_per_call: round(r.db_requests_per_call, 3),
      ceiling: r.ceiling,
      ceiling_rps: round(r.ceiling_rps, 1),
      ceiling_ratio: round(r.ceiling_ratio, 3),
      trivial_ratio: round(r.trivial_ratio, 3),
      // CPU milliseconds per answered call, per server process (scripts/bench/cpu.mjs); null off Linux.
      cpu_ms_per_call: r.cpu_ms_per_call ?? null,
      // Issue 22: CPU per tier (run.mjs).
      worker_cpu_ratio: round(r.worker_cpu_ratio, 3),
      worker_cpu_ratio_round_start: round(r.worker_cpu_ratio_round_start, 3),
      sql_cpu_ms_per_call: r.sql_cpu_ms_per_call ?? null,
      pg_cpu_ratio: round(r.pg_cpu_ratio, 3),
      non2xx: r.non2xx,
      socket_errors: r.errors,
      // --rounds N: each round's figures (the fields above are their medians).
      ...(r.rounds ? { rounds: r.rounds } : {}),
    })),
  };
}
