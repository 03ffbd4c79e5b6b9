// Display formatting for the back office. Amounts arrive as exact JSON numbers (at most 15 significant
// digits) and are shown from their shortest decimal text, padded to the currency's minor units: no
// rounding, no float arithmetic.
import { currencyDecimals } from "../../lib/money";

/** "1234.5" in EUR → "1,234.50"; digits beyond the currency's minor units are kept, never rounded. */
export function formatAmount(value: number, currency: string): string {
  const text = String(value);
  const negative = text.startsWith("-");
  const [int = "0", frac = ""] = text.replace("-", "").split(".");
  const decimals = Math.max(currencyDecimals(currency), frac.length);
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${decimals ? `.${frac.padEnd(decimals, "0")}` : ""}`;
}

/** ISO 8601 UTC → "2026-11-24 13:05:09 UTC" (or "—" for none). */
export const formatTime = (iso: string | null | undefined) =>
  iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : "—";
