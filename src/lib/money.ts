// Exact money. Amounts enter as JSON numbers or decimal strings, are checked as text and travel as
// canonical decimal strings to Postgres `numeric`; JS never does arithmetic on them.
const DEFAULT_DECIMALS = 2;

/** Minor-unit digits per ISO 4217 currency; others default to 2. */
const CURRENCY_DECIMALS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

export const currencyDecimals = (currency: string) => CURRENCY_DECIMALS[currency] ?? DEFAULT_DECIMALS;

/** The same table for SQL (ledger_post checks precision inside the posting): "*" is the default. */
export const CURRENCY_DECIMALS_JSON = JSON.stringify({ ...CURRENCY_DECIMALS, "*": DEFAULT_DECIMALS });

/** Largest absolute amount (exclusive): 12 integer digits keep every value exact as a JSON number. */
export const MAX_AMOUNT_DIGITS = 12;

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

export type ParsedAmount = { value: string; decimals: number };

/**
 * Canonical decimal text of a JSON number or numeric string, or an error message.
 * A JSON number is read through its shortest round-trip text (what the client wrote for any amount
 * with up to 15 significant digits), so 0.1 stays "0.1" and 1e-7 is rejected for its decimals.
 */
export function parseAmount(input: unknown): ParsedAmount | string {
  let text: string;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return "must be a finite number";
    text = String(input);
    if (/e/i.test(text)) return Math.abs(input) >= 1 ? "is too large" : "has too many decimal places";
  } else if (typeof input === "string") {
    text = input.trim();
  } else {
    return "must be a number";
  }
  if (!DECIMAL.test(text)) return "must be a decimal number";
  const [intPart = "", frac = ""] = text.replace("-", "").split(".");
  if (intPart.length > MAX_AMOUNT_DIGITS) return "is too large";
  const trimmedFrac = frac.replace(/0+$/, "");
  const sign = text.startsWith("-") && (intPart !== "0" || trimmedFrac !== "") ? "-" : "";
  return { value: `${sign}${intPart}${trimmedFrac ? `.${trimmedFrac}` : ""}`, decimals: trimmedFrac.length };
}

export const isZero = (amount: string) => /^-?0$/.test(amount);
export const isNegative = (amount: string) => amount.startsWith("-");
/** Orders two non-negative amounts in canonical text (as parseAmount writes them): -1, 0 or 1, exactly. */
export function compareAmounts(a: string, b: string): -1 | 0 | 1 {
  const [ai = "", af = ""] = a.split(".");
  const [bi = "", bf = ""] = b.split(".");
  const width = Math.max(af.length, bf.length);
  const x = ai.padStart(bi.length, "0") + af.padEnd(width, "0");
  const y = bi.padStart(ai.length, "0") + bf.padEnd(width, "0");
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Greater than zero (canonical text, as parseAmount writes it). */
export const isPositive = (amount: string) => !isZero(amount) && !isNegative(amount);

/** Checks an amount against its currency's minor units; returns an error message or null. */
export function checkCurrencyPrecision(amount: ParsedAmount, currency: string): string | null {
  const allowed = currencyDecimals(currency);
  return amount.decimals > allowed ? `amount has more than ${allowed} decimal places allowed for ${currency}` : null;
}

/**
 * Postgres numeric text → JSON number. Exact: every stored value has at most 15 significant digits
 * (CHECK constraints and MAX_AMOUNT_DIGITS), which doubles represent and print back unchanged.
 */
export const toJsonNumber = (numeric: string) => Number(numeric);

/**
 * Postgres numeric text shown with the currency's minor units: trailing zeros beyond them are dropped,
 * missing ones padded, nothing rounded ("12.3400" EUR → "12.34", "5.0000" JPY → "5", "1.2345" EUR stays).
 */
export function decimalForCurrency(numeric: string, currency: string): string {
  const [int = "0", frac = ""] = numeric.split(".");
  const decimals = currencyDecimals(currency);
  const kept = frac.replace(/0+$/, "").padEnd(decimals, "0");
  return kept ? `${int}.${kept}` : int;
}
