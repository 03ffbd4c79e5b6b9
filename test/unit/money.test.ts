// Exact money (src/lib/money.ts), no database: amounts are parsed as text into canonical decimals, never
// through float arithmetic, and checked against their currency's minor units.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkCurrencyPrecision,
  compareAmounts,
  currencyDecimals,
  decimalForCurrency,
  isNegative,
  isPositive,
  isZero,
  MAX_AMOUNT_DIGITS,
  parseAmount,
  toJsonNumber,
} from "../../src/lib/money";

/** Canonical decimal text with at most 2 decimals → cents. */
function centsOf(value: string): bigint {
  const [int = "0", frac = ""] = value.replace("-", "").split(".");
  const cents = BigInt(int) * 100n + BigInt(frac.padEnd(2, "0"));
  return value.startsWith("-") ? -cents : cents;
}

describe("parseAmount", () => {
  it("writes JSON numbers and decimal strings as canonical decimal text", () => {
    expect(parseAmount(12.5)).toEqual({ value: "12.5", decimals: 1 });
    expect(parseAmount("12.50")).toEqual({ value: "12.5", decimals: 1 });
    expect(parseAmount(" 7 ")).toEqual({ value: "7", decimals: 0 });
    expect(parseAmount(0.1)).toEqual({ value: "0.1", decimals: 1 });
    expect(parseAmount("-0.00")).toEqual({ value: "0", decimals: 0 });
    expect(parseAmount(-3.25)).toEqual({ value: "-3.25", decimals: 2 });
    expect(parseAmount("999999999999.99")).toEqual({ value: "999999999999.99", decimals: 2 });
  });

  it("refuses what is not an exact decimal, in words the surfaces build on", () => {
    expect(parseAmount(Number.NaN)).toBe("must be a finite number");
    expect(parseAmount(Number.POSITIVE_INFINITY)).toBe("must be a finite number");
    expect(parseAmount(1e21)).toBe("is too large");
    expect(parseAmount(1e-7)).toBe("has too many decimal places");
    expect(parseAmount("1e3")).toBe("must be a decimal number");
    expect(parseAmount("0x10")).toBe("must be a decimal number");
    expect(parseAmount("01")).toBe("must be a decimal number");
    expect(parseAmount("1.")).toBe("must be a decimal number");
    expect(parseAmount("")).toBe("must be a decimal number");
    expect(parseAmount("1".repeat(MAX_AMOUNT_DIGITS + 1))).toBe("is too large");
    expect(parseAmount(null)).toBe("must be a number");
    expect(parseAmount({ value: 5 })).toBe("must be a number");
  });

  it("reads back any amount of cents it was given as text, exactly", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 14n) + 1n, max: 10n ** 14n - 1n }), (cents) => {
        const abs = cents < 0n ? -cents : cents;
        const text = `${cents < 0n ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
        const parsed = parseAmount(text);
        if (typeof parsed === "string") throw new Error(parsed);
        // Canonical: no trailing zeros, no sign on zero, and the same number of cents.
        expect(parsed.value).not.toMatch(/\.\d*0$|^-0$/);
        expect(parsed.decimals).toBeLessThanOrEqual(2);
        expect(centsOf(parsed.value)).toBe(cents);
      }),
    );
  });
});

describe("signs", () => {
  it("tells zero, negative and positive canonical amounts apart", () => {
    expect([isZero("0"), isZero("-0"), isZero("0.5")]).toEqual([true, true, false]);
    expect([isNegative("-1"), isNegative("1"), isNegative("0")]).toEqual([true, false, false]);
    expect([isPositive("0.01"), isPositive("0"), isPositive("-0.01")]).toEqual([true, false, false]);
  });
});

describe("currencies", () => {
  it("knows each currency's minor units, 2 by default", () => {
    expect([
      currencyDecimals("EUR"),
      currencyDecimals("JPY"),
      currencyDecimals("KWD"),
      currencyDecimals("ZZZ"),
    ]).toEqual([2, 0, 3, 2]);
  });

  it("refuses an amount finer than its currency", () => {
    expect(checkCurrencyPrecision({ value: "1.5", decimals: 1 }, "JPY")).toBe(
      "amount has more than 0 decimal places allowed for JPY",
    );
    expect(checkCurrencyPrecision({ value: "1.234", decimals: 3 }, "EUR")).toBe(
      "amount has more than 2 decimal places allowed for EUR",
    );
    expect(checkCurrencyPrecision({ value: "1.234", decimals: 3 }, "KWD")).toBeNull();
  });

  it("shows a stored numeric with the currency's minor units, never rounding", () => {
    expect(decimalForCurrency("12.3400", "EUR")).toBe("12.34");
    expect(decimalForCurrency("5.0000", "JPY")).toBe("5");
    expect(decimalForCurrency("1.2345", "EUR")).toBe("1.2345");
    expect(decimalForCurrency("7", "EUR")).toBe("7.00");
    expect(toJsonNumber("-12.5000")).toBe(-12.5);
  });
});

describe("compareAmounts", () => {
  /** A non-negative amount with up to 12 integer digits and 6 decimals, in canonical text. */
  const amount = fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n - 1n }), fc.integer({ min: 0, max: 6 }))
    .map(([n, decimals]) => {
      const parsed = parseAmount(
        decimals === 0
          ? String(n)
          : `${n / 10n ** BigInt(decimals)}.${String(n % 10n ** BigInt(decimals)).padStart(decimals, "0")}`,
      );
      if (typeof parsed === "string") throw new Error(parsed);
      return parsed.value;
    });
  /** The amount scaled to millionths, exactly. */
  const micros = (v: string) => {
    const [int = "0", frac = ""] = v.split(".");
    return BigInt(int) * 1_000_000n + BigInt(frac.padEnd(6, "0"));
  };

  it("orders amounts as their exact values do", () => {
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        const want = micros(a) === micros(b) ? 0 : micros(a) < micros(b) ? -1 : 1;
        expect(compareAmounts(a, b)).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it("compares across integer widths and decimals", () => {
    expect(compareAmounts("10", "9.99")).toBe(1);
    expect(compareAmounts("0.5", "0.45")).toBe(1);
    expect(compareAmounts("2.5", "2.5")).toBe(0);
    expect(compareAmounts("100", "1000")).toBe(-1);
  });
});
