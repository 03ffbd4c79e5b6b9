// The benchmark's table and JSON. Targets are ratios to a baseline measured in the same run.
export const TARGETS = { list: 0.5, write: 0.5, kv: 0.8 };

const pad = (s, n, right = false) => (right ? String(s).padStart(n) : String(s).padEnd(n));

export function printTable(results, { rows, seconds, connections, pgbouncer }) {
  const header = ["case", "req/s", "p50 ms", "p99 ms", "baseline", "base/s", "ratio", "target"];
  const lines = results.map((r) => {
    const target = TARGETS[r.kind];
    const verdict = r.ratio >= target ? "ok" : "MISS";
    const errors = r.non2xx || r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} socket errors)` : "";
    return [
      r.name + errors,
      r.rps.toFixed(0),
      r.p50_ms.toFixed(1),
      r.p99_ms.toFixed(1),
      r.baseline,
      r.baseline_rps.toFixed(0),
      r.ratio.toFixed(2),
      `≥${target} ${verdict}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const numeric = new Set([1, 2, 3, 5, 6]);
  const fmt = (cells) => cells.map((c, i) => pad(c, widths[i], numeric.has(i))).join("  ");
  console.log(
    `\nrows ${rows.toLocaleString("en")}, ${seconds} s per case, ${connections} connections, ` +
      `${pgbouncer ? "pgbouncer (transaction mode)" : "no pgbouncer"}`,
  );
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
}

export function toJson(results, meta) {
  const round = (n, d) => Math.round(n * 10 ** d) / 10 ** d;
  return {
    rows: meta.rows,
    ...meta,
    cases: results.map((r) => ({
      name: r.name,
      rps: round(r.rps, 1),
      p50_ms: round(r.p50_ms, 2),
      p99_ms: round(r.p99_ms, 2),
      baseline: r.baseline,
      baseline_rps: round(r.baseline_rps, 1),
      ratio: round(r.ratio, 3),
    })),
  };
}
