// A date range split for counting: the whole UTC days inside it are summed from per-day count buckets,
// only the partial days at its two edges are counted row by row.
const DAY_SECONDS = 86_400;

export type RangeSplit = {
  /** Whole days inside the range, as day numbers since 1970-01-01: [first, end). Null: none. */
  days: { first?: number; end?: number } | null;
  /** The rest of the range, in Unix seconds: [from, to) each, at most two, each shorter than a day. */
  edges: { from?: number; to?: number }[];
};

/** Splits the range [from, to) in Unix seconds (either end open); at least one end must be given. */
export function splitAtDays(from: number | undefined, to: number | undefined): RangeSplit {
  const first = from === undefined ? undefined : Math.ceil(from / DAY_SECONDS);
  const end = to === undefined ? undefined : Math.floor(to / DAY_SECONDS);
  if (first !== undefined && end !== undefined && first >= end) return { days: null, edges: [{ from, to }] };
  const edges: RangeSplit["edges"] = [];
  if (from !== undefined && first !== undefined && from < first * DAY_SECONDS)
    edges.push({ from, to: first * DAY_SECONDS });
  if (to !== undefined && end !== undefined && end * DAY_SECONDS < to) edges.push({ from: end * DAY_SECONDS, to });
  return { days: { first, end }, edges };
}
