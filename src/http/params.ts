// The parameter builders every surface (and webhook) uses, and the one reading of a zod error. The
// parsing is the same everywhere; the words are each spec's own, so each caller passes its wording.
import { z } from "@hono/zod-openapi";
import { isPositive, type ParsedAmount, parseAmount } from "../lib/money";

type Issue = z.ZodError["issues"][number];

// ---------- zod errors ----------

/**
 * How a surface tells one issue: `[field, problem]` pairs. The default files zod's message (the schemas
 * word their own) under the issue's path, "." joined, or "body" for the whole input.
 */
export type IssueWording = (issue: Issue, field: string) => [field: string, problem: string][];

/**
 * Every problem of a zod error grouped by field, each said once per field, in the order zod found them;
 * and the same as one line, "field: problem; problem, field: problem".
 */
export function describeIssues(error: z.ZodError, wording?: IssueWording) {
  // No prototype: a field named "__proto__" or "constructor" is just a field.
  const details: Record<string, string[]> = Object.create(null);
  for (const issue of error.issues) {
    const field = issue.path.map(String).join(".") || "body";
    for (const [name, problem] of wording ? wording(issue, field) : [[field, issue.message] as const]) {
      const list = details[name] ?? [];
      if (!list.includes(problem)) list.push(problem);
      details[name] = list;
    }
  }
  const message = Object.entries(details)
    .map(([field, problems]) => `${field}: ${problems.join("; ")}`)
    .join(", ");
  return { message, details };
}

// ---------- integers ----------

export type IntegerWording = {
  /** Not an integer at all ("page must be an integer"). */
  notInteger: string;
  tooSmall: (min: number) => string;
  tooLarge: (max: number) => string;
  /**
   * Given more than once (`?limit=1&limit=2`). Without it the parameter is plain text and zod refuses
   * a repeated one in its own words.
   */
  repeated?: string;
};

/** "limit must be an integer", "… at least 1", "… at most 100" (specs 000, 001, 003). */
export const integerWords = (name: string): IntegerWording => ({
  notInteger: `${name} must be an integer`,
  tooSmall: (min) => `${name} must be at least ${min}`,
  tooLarge: (max) => `${name} must be at most ${max}`,
});

/** One message for every refusal ("pageSize must be an integer from 1 to 100"). */
export const oneMessage = (message: string): IntegerWording => ({
  notInteger: message,
  tooSmall: () => message,
  tooLarge: () => message,
});

/** What a query parameter arrives as: text, a list when repeated, or nothing. */
type QueryValue = string | string[] | undefined;

export type IntegerParam = {
  min: number;
  /** Absent: up to Number.MAX_SAFE_INTEGER (and no maximum in the documentation). */
  max?: number;
  /** The value when the parameter is absent; without one an absent parameter is undefined. */
  fallback?: number;
  /**
   * How an integer is written: digits by default, or the surface's own pattern (a sign, a digit cap);
   * "number": whatever JavaScript's Number() reads ("1e2", "0x10", " 5"), as spec 000 always has.
   */
  syntax?: RegExp | "number";
  /** White space around the value is ignored. */
  trim?: boolean;
  wording: IntegerWording;
  /** Extra documentation (description, example); type, bounds and default come from the options. */
  doc?: { description?: string; example?: number };
};

/** An integer query parameter: a number, or with no fallback `undefined` when absent. */
export function integerQuery(name: string, p: IntegerParam & { fallback: number }): z.ZodType<number, QueryValue>;
export function integerQuery(name: string, p: IntegerParam): z.ZodType<number | undefined, QueryValue>;
export function integerQuery(name: string, p: IntegerParam): z.ZodType<number | undefined, QueryValue> {
  const { min, max = Number.MAX_SAFE_INTEGER, fallback, syntax = /^\d+$/, wording } = p;
  const text = wording.repeated === undefined ? z.string() : z.union([z.string(), z.array(z.string())]);
  return text
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      const refuse = (...messages: string[]) => {
        for (const message of messages) ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      };
      if (Array.isArray(value)) return refuse(wording.repeated ?? wording.notInteger);
      const written = p.trim ? value.trim() : value;
      const n = syntax === "number" || syntax.test(written) ? Number(written) : Number.NaN;
      if (!Number.isInteger(n)) return refuse(wording.notInteger);
      const problems = [
        // Number() reads integers too large to be exact: refused as not integers (zod's int()), bounds still told.
        ...(syntax === "number" && !Number.isSafeInteger(n) ? [wording.notInteger] : []),
        ...(n < min ? [wording.tooSmall(min)] : n > max ? [wording.tooLarge(max)] : []),
      ];
      return problems.length ? refuse(...problems) : n;
    })
    .openapi({
      param: { name, in: "query" },
      type: "integer",
      minimum: min,
      ...(p.max === undefined ? {} : { maximum: p.max }),
      ...(fallback === undefined ? {} : { default: fallback }),
      ...p.doc,
    });
}

// ---------- amounts ----------

export type AmountWording = {
  /** The value is missing, or not a number nor a string; without these zod says so in its own words. */
  missing?: string;
  notNumber?: string;
  /** A refusal of parseAmount ("must be a decimal number", "is too large"…) in the surface's words. */
  invalid: (problem: string) => string;
};

/** A further rule on a parsed amount: the refusal's message, or null. Checked in the order given. */
export type AmountRule = (amount: ParsedAmount) => string | null;

export const mustBePositive =
  (message: string): AmountRule =>
  (a) =>
    isPositive(a.value) ? null : message;

/** The default wording: "amount must be a decimal number". */
const AMOUNT_WORDS: AmountWording = { invalid: (problem) => `amount ${problem}` };

/** An exact amount, a JSON number or a decimal string, as canonical decimal text (lib/money). */
export function amountField(wording: AmountWording = AMOUNT_WORDS, ...rules: AmountRule[]) {
  const { missing, notNumber } = wording;
  const typeError =
    missing === undefined && notNumber === undefined
      ? undefined
      : { error: (issue: { input?: unknown }) => (issue.input === undefined ? missing : notNumber) };
  return z
    .union([z.number(), z.string()], typeError)
    .transform((input, ctx) => {
      const refuse = (message: string) => {
        ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      };
      const parsed = parseAmount(input);
      if (typeof parsed === "string") return refuse(wording.invalid(parsed));
      const problem = rules.map((rule) => rule(parsed)).find((m) => m !== null);
      return problem ? refuse(problem) : parsed;
    })
    .openapi({ type: "number", example: 100 });
}

// ---------- instants ----------

/**
 * An instant: an ISO 8601 date-time with its offset, or a date (its UTC midnight). `notBefore`: the
 * earliest accepted, with the refusal's message.
 */
export function instantField(invalid?: string, notBefore?: { at: number; message: string }) {
  return z
    .union([z.iso.datetime({ offset: true }), z.iso.date()], invalid === undefined ? undefined : { message: invalid })
    .transform((v, ctx) => {
      const date = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
      if (notBefore && date.getTime() < notBefore.at) {
        ctx.addIssue({ code: "custom", message: notBefore.message });
        return z.NEVER;
      }
      return date;
    });
}

// ---------- ids ----------

/** `{ [name]: uuid }` for a route's path, refused as "<name> must be a UUID". */
export const uuidParam = <K extends string>(name: K) =>
  z.object({ [name]: z.uuid({ message: `${name} must be a UUID` }).openapi({ param: { name, in: "path" } }) } as {
    [P in K]: z.ZodUUID;
  });

/**
 * An id in a route's path taken as text: a malformed id then answers like an unknown one (the handler
 * or the query decides). `maxLength`: ids of at most that many characters, at least one.
 */
export function idParam(name: string, doc: { description?: string; example?: string; maxLength?: number } = {}) {
  const { maxLength, ...rest } = doc;
  const text = maxLength === undefined ? z.string() : z.string().min(1).max(maxLength);
  return text.openapi({ param: { name, in: "path" }, ...rest });
}
