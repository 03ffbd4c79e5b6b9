// The settlement report of each upstream (issue 20): its CSV header, and the check of one line into
// the staged row the import stores. Amounts stay decimal text (parseAmount); nothing here does money
// arithmetic.
import type { Upstream } from "../ledger/posting";
import { compareAmounts, currencyDecimals, isNegative, isZero, parseAmount } from "../lib/money";

export type ReportFormat = {
  header: readonly string[];
  key: string;
  amount: string;
  fee: string;
  /** The currency column; crypto reports are in USD and have none. */
  currency: string | null;
};

export const REPORT_FORMATS: Record<Upstream, ReportFormat> = {
  mobile_money: {
    header: ["reference", "amount", "fee", "currency", "settled_at"],
    key: "reference",
    amount: "amount",
    fee: "fee",
    currency: "currency",
  },
  crypto: {
    header: ["transaction_id", "amount_usd", "fee_usd", "settled_at"],
    key: "transaction_id",
    amount: "amount_usd",
    fee: "fee_usd",
    currency: null,
  },
  sms_gateway: {
    header: ["event_id", "amount", "fee", "currency", "settled_at"],
    key: "event_id",
    amount: "amount",
    fee: "fee",
    currency: "currency",
  },
};

/** Keys joined by | in one key field (a line settling several payments). */
export const MAX_KEYS_PER_LINE = 1000;
const KEY = /^[\x21-\x7e]{1,200}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/i;

export type StagedLine = {
  line_no: number;
  key_field: string;
  keys: string[];
  amount: string;
  fee: string;
  settled_at: string;
};

export type LineProblem = { column: string; problem: string };

/** The header's problems (line 1): a file of another upstream's format is named here. */
export function headerProblems(format: ReportFormat, fields: string[]): LineProblem[] {
  const got = fields.map((f) => f.trim());
  if (got.length === format.header.length && got.every((f, i) => f === format.header[i])) return [];
  const i = format.header.findIndex((name, j) => got[j] !== name);
  return [
    {
      column: format.header[i] ?? `column ${got.length}`,
      problem: `the header must be ${format.header.join(",")} (found ${got.join(",").slice(0, 200)})`,
    },
  ];
}

/** RFC 3339 instant, or a bare date (its UTC midnight), as ISO text; null when it is neither. */
export function instantOf(text: string): string | null {
  if (!INSTANT.test(text)) return null;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) return null;
  const iso = new Date(ms).toISOString();
  return text.length === 10 && !iso.startsWith(text) ? null : iso;
}

function amountProblem(text: string, currency: string, { allowZero }: { allowZero: boolean }): string | null {
  const parsed = parseAmount(text);
  if (typeof parsed === "string") return parsed;
  if (isNegative(parsed.value) || (!allowZero && isZero(parsed.value))) {
    return allowZero ? "must not be negative" : "must be greater than zero";
  }
  const allowed = currencyDecimals(currency);
  if (parsed.decimals > allowed) return `has more than ${allowed} decimal places allowed for ${currency}`;
  return null;
}

/** One data line checked: the staged row, or its problems (each naming its column). */
export function checkLine(
  format: ReportFormat,
  currency: string,
  line: number,
  fields: string[],
): { row: StagedLine } | { problems: LineProblem[] } {
  if (fields.length !== format.header.length) {
    return {
      problems: [{ column: "*", problem: `expected ${format.header.length} fields, found ${fields.length}` }],
    };
  }
  const value = (name: string) => (fields[format.header.indexOf(name)] ?? "").trim();
  const problems: LineProblem[] = [];
  const keyField = value(format.key);
  const keys = keyField.split("|");
  if (keys.length > MAX_KEYS_PER_LINE) {
    problems.push({ column: format.key, problem: `more than ${MAX_KEYS_PER_LINE} keys joined by |` });
  } else if (!keys.every((k) => KEY.test(k))) {
    problems.push({
      column: format.key,
      problem: "must be one key, or keys joined by |, each 1-200 printable characters without spaces",
    });
  }
  const amountIssue = amountProblem(value(format.amount), currency, { allowZero: false });
  if (amountIssue) problems.push({ column: format.amount, problem: amountIssue });
  const feeIssue = amountProblem(value(format.fee), currency, { allowZero: true });
  if (feeIssue) problems.push({ column: format.fee, problem: feeIssue });
  if (format.currency && value(format.currency) !== currency) {
    problems.push({ column: format.currency, problem: `must be ${currency}, the reconciliation's currency` });
  }
  const settledAt = instantOf(value("settled_at"));
  if (!settledAt) problems.push({ column: "settled_at", problem: "must be an RFC 3339 timestamp or a date" });
  if (problems.length > 0 || !settledAt) return { problems };
  const amount = parseAmount(value(format.amount));
  const fee = parseAmount(value(format.fee));
  if (typeof amount === "string" || typeof fee === "string") return { problems };
  // The fee comes out of the gross: a fee above it would settle a negative net.
  if (compareAmounts(fee.value, amount.value) > 0) {
    return {
      problems: [{ column: format.fee, problem: `must not exceed ${format.amount} (${value(format.amount)})` }],
    };
  }
  return {
    row: { line_no: line, key_field: keyField, keys, amount: amount.value, fee: fee.value, settled_at: settledAt },
  };
}
