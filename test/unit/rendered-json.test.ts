// src/db/rendered-json.ts, no database: holes are filled in order and only holes are; an envelope keeps
// its key order and embeds rendered text as it is.
import { describe, expect, it } from "vitest";
import { fillJsonHoles, jsonObjectText, RenderedJson } from "../../src/db/rendered-json";

describe("fillJsonHoles", () => {
  it("fills each hole in order and leaves every other byte as it was", () => {
    const text = '[{"a":"\\\\u0000","b":"\\u0000","c":1},{"b":"\\u0000","d":"\\"\\\\u0000\\""}]';
    expect(fillJsonHoles(text, ['{"x":1}', '"y"'])).toBe(
      '[{"a":"\\\\u0000","b":{"x":1},"c":1},{"b":"y","d":"\\"\\\\u0000\\""}]',
    );
  });

  it("finds a hole after a string that ends in an escaped backslash, and at either end of the text", () => {
    expect(fillJsonHoles('["x\\\\","\\u0000"]', ["1"])).toBe('["x\\\\",1]');
    expect(fillJsonHoles('"\\u0000"', ['"a"'])).toBe('"a"');
  });

  it("answers a text without holes unchanged", () => {
    expect(fillJsonHoles('{"data":[],"total":0}', [])).toBe('{"data":[],"total":0}');
  });

  it("refuses a count of values that does not match the holes", () => {
    expect(() => fillJsonHoles('["\\u0000"]', [])).toThrow("JSON text has 1 holes for 0 values");
    expect(() => fillJsonHoles("[]", ["1"])).toThrow("JSON text has 0 holes for 1 values");
  });
});

describe("jsonObjectText", () => {
  it("writes the fields in order, rendered text as it is, everything else as JSON.stringify does", () => {
    const fields = { data: new RenderedJson('[{"a":1}]'), total: 3, more: { hasMore: true, next: null }, s: 'q"' };
    expect(jsonObjectText(fields)).toBe('{"data":[{"a":1}],"total":3,"more":{"hasMore":true,"next":null},"s":"q\\""}');
    expect(JSON.parse(jsonObjectText(fields))).toEqual({ ...fields, data: [{ a: 1 }] });
  });
});
