// Paging planners, no database: the offset page read from whichever end is nearer (src/db/paging.ts), and a
// date range cut into whole UTC days and at most two partial edges (src/apis/paiements/date-range.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitAtDays } from "../../src/apis/paiements/date-range";
import { offsetPage } from "../../src/db/paging";

const DAY = 86_400;

describe("offsetPage", () => {
  it("reads shallow pages from the newest end and deep ones from the oldest", () => {
    expect(offsetPage(100, 0, 20)).toEqual({ fromEnd: false, take: 20, skip: 0 });
    expect(offsetPage(100, 40, 20)).toEqual({ fromEnd: false, take: 20, skip: 40 });
    expect(offsetPage(100, 60, 20)).toEqual({ fromEnd: true, take: 20, skip: 20 });
    expect(offsetPage(100, 90, 20)).toEqual({ fromEnd: true, take: 10, skip: 0 });
    expect(offsetPage(100, 100, 20)).toBeNull();
    expect(offsetPage(0, 0, 20)).toBeNull();
  });

  it("always names the rows [offset, offset + limit) of the newest-first list, skipping at most half of it", () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), fc.integer({ min: 1, max: 500 }), (total, offset, limit) => {
        const plan = offsetPage(total, offset, limit);
        if (offset >= total) {
          expect(plan).toBeNull();
          return;
        }
        if (!plan) throw new Error("a page inside the list has a plan");
        // Newest-first positions the plan reads.
        const first = plan.fromEnd ? total - plan.skip - plan.take : plan.skip;
        expect(first).toBe(offset);
        expect(plan.take).toBe(Math.min(limit, total - offset));
        expect(plan.skip).toBeLessThanOrEqual(Math.ceil(total / 2));
      }),
    );
  });
});

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
