// The `date` of a spec 002 usage record (src/apis/account-transactions/usage-date.ts), no database: ISO
// 8601 or the spec's own "2010-01-01 00.00:00", UTC unless an offset is given, impossible dates refused.
import { describe, expect, it } from "vitest";
import { parseUsageDate } from "../../src/apis/account-transactions/usage-date";

const iso = (text: string) => parseUsageDate(text)?.toISOString() ?? null;

describe("parseUsageDate", () => {
  it("reads the spec's example and ISO 8601, as UTC unless an offset says otherwise", () => {
    expect(iso("2010-01-01 00.00:00")).toBe("2010-01-01T00:00:00.000Z");
    expect(iso("2010-01-01 00:00:00")).toBe("2010-01-01T00:00:00.000Z");
    expect(iso("2010-01-01T12:30")).toBe("2010-01-01T12:30:00.000Z");
    expect(iso("2010-01-01")).toBe("2010-01-01T00:00:00.000Z");
    expect(iso("2010-01-01T12:00:00.123456Z")).toBe("2010-01-01T12:00:00.123Z");
    expect(iso("2010-01-01T12:00:00+02:00")).toBe("2010-01-01T10:00:00.000Z");
    expect(iso("2010-01-01 12:00:00 -0530")).toBe("2010-01-01T17:30:00.000Z");
    expect(iso("  2024-02-29 23:59:59  ")).toBe("2024-02-29T23:59:59.000Z");
  });

  it("refuses what is not a possible date-time", () => {
    for (const text of [
      "",
      "nope",
      "2023-02-29",
      "2023-02-30 00:00:00",
      "2023-13-01",
      "2023-00-10",
      "2023-01-01 24:00:00",
      "2023-01-01 23:60:00",
      "2023-01-01 23:59:60",
      "2023-01-01T00:00:00+24:00",
      "1899-12-31 23:59:59",
      "10000-01-01",
      "2023/01/01",
    ]) {
      expect(parseUsageDate(text), text).toBeNull();
    }
  });
});
