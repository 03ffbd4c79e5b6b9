// The isolate memo of hot KV values (src/edge/isolate-memo.ts), on a fake clock: no database, no KV.
import { describe, expect, it } from "vitest";
import { IsolateMemo } from "../../src/edge/isolate-memo";

function memo(ttlMs = 1_000, maxEntries = 3) {
  let now = 0;
  const m = new IsolateMemo(ttlMs, maxEntries, () => now);
  let loads = 0;
  const load = (value: string | null) => async () => {
    loads += 1;
    return value;
  };
  return { m, load, loads: () => loads, advance: (ms: number) => (now += ms) };
}

describe("IsolateMemo", () => {
  it("answers from memory within the window and loads again after it", async () => {
    const t = memo();
    expect(await t.m.get("k", t.load("a"))).toBe("a");
    t.advance(999);
    expect(await t.m.get("k", t.load("b"))).toBe("a");
    expect(t.loads()).toBe(1);
    t.advance(1);
    expect(await t.m.get("k", t.load("b"))).toBe("b");
    expect(t.loads()).toBe(2);
  });

  it("does not remember a miss, so a value written later is seen at once", async () => {
    const t = memo();
    expect(await t.m.get("k", t.load(null))).toBeNull();
    expect(await t.m.get("k", t.load("now there"))).toBe("now there");
    expect(t.loads()).toBe(2);
  });

  it("takes writes and forgets through set and forget", async () => {
    const t = memo();
    await t.m.get("k", t.load("old"));
    t.m.set("k", "new");
    expect(await t.m.get("k", t.load("unused"))).toBe("new");
    t.m.forget("k");
    expect(await t.m.get("k", t.load("reloaded"))).toBe("reloaded");
    expect(t.loads()).toBe(2);
  });

  it("stays within its size, dropping the oldest entry first", async () => {
    const t = memo(1_000, 3);
    for (const k of ["a", "b", "c", "d"]) await t.m.get(k, t.load(k));
    expect(t.m.size).toBe(3);
    expect(await t.m.get("a", t.load("a again"))).toBe("a again");
    expect(await t.m.get("d", t.load("unused"))).toBe("d");
  });
});
