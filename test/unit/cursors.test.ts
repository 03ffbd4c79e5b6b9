// Opaque keyset cursors, no database: spec 000's "position|id" (src/apis/user-payments/cursor.ts) and the
// admin lists' JSON tuples (src/apis/admin/common.ts) read back what they wrote, and nothing else.
import { z } from "@hono/zod-openapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeKeyset, encodeKeyset } from "../../src/apis/admin/common";
import { decodeCursor, encodeCursor } from "../../src/apis/user-payments/cursor";

const position = fc
  .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
  .chain((d) =>
    fc
      .integer({ min: 0, max: 999 })
      .map((micros) => `${d.toISOString().slice(0, 23)}${String(micros).padStart(3, "0")}Z`),
  );

describe("spec 000 cursor", () => {
  it("reads back every position and id it encoded, in URL-safe text", () => {
    fc.assert(
      fc.property(position, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (p, id) => {
        const cursor = encodeCursor({ position: p, id });
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeCursor(cursor)).toEqual({ position: p, id });
      }),
    );
  });

  it("refuses what it did not write", () => {
    const valid = encodeCursor({ position: "2026-01-01T00:00:00.000000Z", id: 5 });
    for (const bad of [
      "",
      "!!!",
      btoa("2026-01-01|5"),
      btoa("2026-01-01T00:00:00.000000Z|0"),
      btoa("2026-01-01T00:00:00.000000Z|-3"),
      btoa("2026-01-01T00:00:00.000000Z|1.5"),
      btoa("2026-01-01T00:00:00.000000Z"),
      `${valid}%`,
    ]) {
      expect(decodeCursor(bad), bad).toBeUndefined();
    }
  });
});

describe("admin keyset cursor", () => {
  const shape = z.tuple([z.string(), z.uuid()]);

  it("reads back the tuple it encoded, whatever the text (unicode included)", () => {
    fc.assert(
      fc.property(fc.string(), fc.uuid(), (name, id) => {
        const cursor = encodeKeyset([name, id]);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(decodeKeyset(cursor, shape)).toEqual([name, id]);
      }),
    );
  });

  it("refuses a cursor of another shape or no cursor at all", () => {
    expect(decodeKeyset(encodeKeyset(["a", "not-a-uuid"]), shape)).toBeUndefined();
    expect(decodeKeyset(encodeKeyset([1, 2]), shape)).toBeUndefined();
    expect(decodeKeyset("%%%", shape)).toBeUndefined();
    expect(decodeKeyset(btoa("{not json"), shape)).toBeUndefined();
  });
});
