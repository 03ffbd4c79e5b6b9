// src/db/rendered-json.ts wireJson/readWireJson in the real PostgreSQL and the real workerd: whatever the
// text, the column is base64 on one line (a JSON string the driver copies without unescaping a character)
// and reads back to exactly the text PostgreSQL rendered.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readWireJson, wireJson } from "../src/db/rendered-json";
import { query, sql } from "./helpers";

async function roundTrip(text: string) {
  const [row] = await query<{ wire: string; text: string }>(
    sql`SELECT ${wireJson(sql`${text}::text`)} AS wire, ${text}::text AS text`,
  );
  if (!row) throw new Error("no row");
  return row;
}

describe("wireJson / readWireJson", () => {
  it("carries a page-sized text with quotes, backslashes, controls and multibyte characters on one base64 line", async () => {
    const text = JSON.stringify(
      Array.from({ length: 60 }, (_, i) => ({
        id: `sms_gateway_S${i}`,
        description: `quote " backslash \\ tab \t newline \n é 中文 😀 \u2028 ${i}`,
      })),
    );
    const { wire } = await roundTrip(text);
    expect(text.length).toBeGreaterThan(5000);
    expect(wire).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(readWireJson(wire)).toBe(text);
  });

  it("reads back any text PostgreSQL holds, byte for byte", async () => {
    // PostgreSQL text holds no NUL; every other code point may occur.
    const pgText = fc.string({ unit: "grapheme", maxLength: 300 }).map((s) => s.replaceAll("\u0000", ""));
    await fc.assert(
      fc.asyncProperty(pgText, async (text) => {
        const row = await roundTrip(text);
        expect(row.wire).not.toContain("\n");
        expect(readWireJson(row.wire)).toBe(row.text);
      }),
      { numRuns: 60 },
    );
  });
});
