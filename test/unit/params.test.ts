// The parameter builders every surface shares (src/http/params.ts), no database: one parsing, each
// spec's own words.
import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import {
  amountField,
  describeIssues,
  instantField,
  integerQuery,
  integerWords,
  mustBePositive,
  oneMessage,
} from "../../src/http/params";

/** What a schema answers for `input`: its value, or its messages. */
function outcome<T>(schema: z.ZodType<T>, input: unknown): T | string[] {
  const r = schema.safeParse(input);
  return r.success ? r.data : r.error.issues.map((i) => i.message);
}

describe("integerQuery", () => {
  const limit = integerQuery("limit", { min: 1, max: 100, fallback: 20, wording: integerWords("limit") });

  it("reads digits, applies the fallback, and words refusals with the parameter's name", () => {
    expect(outcome(limit, undefined)).toBe(20);
    expect(outcome(limit, "7")).toBe(7);
    expect(outcome(limit, "0")).toEqual(["limit must be at least 1"]);
    expect(outcome(limit, "101")).toEqual(["limit must be at most 100"]);
    for (const bad of ["", "1.5", "1e2", "0x10", " 5", "-1", "abc"]) {
      expect(outcome(limit, bad), bad).toEqual(["limit must be an integer"]);
    }
  });

  it("leaves a repeated parameter to zod's words unless the spec words it", () => {
    expect(outcome(limit, ["1", "2"])).toEqual(["Invalid input: expected string, received array"]);
    const once = integerQuery("limit", {
      min: 1,
      fallback: 20,
      wording: { ...integerWords("limit"), repeated: "once" },
    });
    expect(outcome(once, ["1", "2"])).toEqual(["once"]);
  });

  it("takes the surface's syntax: a sign, trimming, a digit cap, or JavaScript's Number()", () => {
    const signed = integerQuery("n", { min: -5, max: 5, syntax: /^[+-]?\d+$/, trim: true, wording: integerWords("n") });
    expect(outcome(signed, " -3 ")).toBe(-3);
    expect(outcome(signed, "+4")).toBe(4);
    expect(outcome(signed, undefined)).toBeUndefined();
    const capped = integerQuery("n", { min: 0, syntax: /^\d{1,3}$/, wording: oneMessage("n: 0-999") });
    expect(outcome(capped, "1000")).toEqual(["n: 0-999"]);
    const lenient = integerQuery("n", {
      min: 1,
      max: 1000,
      fallback: 100,
      syntax: "number",
      wording: integerWords("n"),
    });
    expect([outcome(lenient, "1e2"), outcome(lenient, "0x10"), outcome(lenient, " 5")]).toEqual([100, 16, 5]);
    expect(outcome(lenient, "")).toEqual(["n must be at least 1"]);
    expect(outcome(lenient, "0.5")).toEqual(["n must be an integer"]);
    // An integer too large to be exact is not one, and is still out of bounds (as zod's int() says it).
    expect(outcome(lenient, "9007199254740993")).toEqual(["n must be an integer", "n must be at most 1000"]);
  });
});

describe("amountField", () => {
  it("yields canonical decimals and words parse failures as the surface does", () => {
    expect(outcome(amountField(), "12.50")).toEqual({ value: "12.5", decimals: 1 });
    expect(outcome(amountField(), "abc")).toEqual(["amount must be a decimal number"]);
    const spec002 = amountField(
      { missing: "is required", notNumber: "must be a number", invalid: (p) => p },
      mustBePositive("must be greater than 0"),
    );
    expect(outcome(spec002, undefined)).toEqual(["is required"]);
    expect(outcome(spec002, true)).toEqual(["must be a number"]);
    expect(outcome(spec002, 0)).toEqual(["must be greater than 0"]);
    expect(outcome(spec002, "-1")).toEqual(["must be greater than 0"]);
  });

  it("checks the further rules in the order given, the first refusal only", () => {
    const rules = amountField(
      { invalid: (p) => p },
      (a) => (a.decimals > 2 ? "too precise" : null),
      mustBePositive("not positive"),
    );
    expect(outcome(rules, "-0.001")).toEqual(["too precise"]);
    expect(outcome(rules, "-0.01")).toEqual(["not positive"]);
  });
});

describe("instantField", () => {
  it("reads a date-time with its offset, or a date as its UTC midnight", () => {
    expect((outcome(instantField(), "2026-01-15T10:30:00+01:00") as Date).toISOString()).toBe(
      "2026-01-15T09:30:00.000Z",
    );
    expect((outcome(instantField(), "2026-01-15") as Date).toISOString()).toBe("2026-01-15T00:00:00.000Z");
    expect(outcome(instantField("must be ISO 8601"), "2026-01-15 10:30")).toEqual(["must be ISO 8601"]);
    const since1970 = instantField(undefined, { at: 0, message: "not before 1970" });
    expect(outcome(since1970, "1969-12-31")).toEqual(["not before 1970"]);
  });
});

describe("describeIssues", () => {
  const schema = z.object({ a: z.string().min(2, "a is short"), b: z.object({ c: z.number() }) }).strict();

  it("groups each field's problems, once each, and says them in one line", () => {
    const r = schema.safeParse({ a: "x", b: { c: "no" }, d: 1 });
    if (r.success) throw new Error("expected a refusal");
    expect(describeIssues(r.error)).toEqual({
      details: {
        a: ["a is short"],
        "b.c": ["Invalid input: expected number, received string"],
        body: ['Unrecognized key: "d"'],
      },
      message: 'a: a is short, b.c: Invalid input: expected number, received string, body: Unrecognized key: "d"',
    });
  });

  it("files issues the surface's way when it says how", () => {
    const r = schema.safeParse([]);
    if (r.success) throw new Error("expected a refusal");
    expect(describeIssues(r.error, () => [["non_field_errors", "Invalid data."]]).details).toEqual({
      non_field_errors: ["Invalid data."],
    });
    // No prototype: a field named like an Object property is a field.
    const odd = z.object({ constructor: z.string() }).safeParse({ constructor: 5 });
    if (odd.success) throw new Error("expected a refusal");
    expect(Object.keys(describeIssues(odd.error).details)).toEqual(["constructor"]);
  });
});
