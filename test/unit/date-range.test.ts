// The date range planner, no database: a range cut into whole UTC days and at most two partial edges
// (src/apis/paiements/date-range.ts). The offset paging planner runs in PostgreSQL: test/paging.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitAtDays } from "../../src/apis/paiements/date-range";

const DAY = 86_400;

describe("splitAtDays", () => {
  it("counts whole days from the buckets and only the partial edges row by row", () => {
    expect(splitAtDays(0, 3 * DAY)).toEqual({ days: { first: 0, end: 3 }, edges: [] });
    expect(splitAtDays(DAY / 2, 3 * DAY + 10)).toEqual({
      days: { first: 1, end: 3 },
      edges: [
        { from: DAY / 2, to: DAY },
        { from: 3 * DAY, to: 3 * DAY + 10 },
      ],
    });
    expect(splitAtDays(10, 20)).toEqual({ days: null, edges: [{ from: 10, to: 20 }] });
    expect(splitAtDays(undefined, DAY + 5)).toEqual({
      days: { first: undefined, end: 1 },
      edges: [{ from: DAY, to: DAY + 5 }],
    });
    expect(splitAtDays(DAY + 5, undefined)).toEqual({
      days: { first: 2, end: undefined },
      edges: [{ from: DAY + 5, to: 2 * DAY }],
    });
  });

  it("covers the range exactly once: days and edges neither overlap nor leave a gap", () => {
    fc.assert(
      fc.property(fc.nat(100 * DAY), fc.nat(100 * DAY), (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const { days, edges } = splitAtDays(from, to);
        expect(edges.length).toBeLessThanOrEqual(2);
        const pieces = [
          ...edges.map((e) => [e.from ?? from, e.to ?? to] as const),
          ...(days && days.first !== undefined && days.end !== undefined
            ? [[days.first * DAY, days.end * DAY] as const]
            : []),
        ].sort((x, y) => x[0] - y[0]);
        const covered = pieces.reduce((n, [s, e]) => n + (e - s), 0);
        expect(covered).toBe(to - from);
        for (let i = 1; i < pieces.length; i++) expect(pieces[i]![0]).toBe(pieces[i - 1]![1]);
        if (pieces.length) expect(pieces[0]![0]).toBe(from);
      }),
    );
  });
});
