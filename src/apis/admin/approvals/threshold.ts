// ADJUSTMENT_APPROVAL_THRESHOLD: at or above this absolute amount, a named operator's adjustment waits
// for a second operator. "1000" for every currency, or per currency with a default ("EUR=5000,*=1000");
// unset means 1000 in every currency.
const DEFAULT_THRESHOLD = "1000";
const AMOUNT = /^\d{1,12}(\.\d{1,4})?$/;

/** The thresholds as {currency: amount, "*": default} (JSON for the statement that compares). */
export function approvalThresholds(setting: string | undefined): Record<string, string> {
  const thresholds: Record<string, string> = { "*": DEFAULT_THRESHOLD };
  const text = (setting ?? "").trim();
  if (!text) return thresholds;
  for (const part of text.split(",")) {
    const [name, value] = part.includes("=") ? part.split("=", 2).map((s) => s.trim()) : ["*", part.trim()];
    if (!name || !value || !(name === "*" || /^[A-Z]{3}$/.test(name)) || !AMOUNT.test(value)) {
      throw new Error(`ADJUSTMENT_APPROVAL_THRESHOLD: cannot read "${part}" (expected 1000 or EUR=1000,*=1000)`);
    }
    thresholds[name] = value;
  }
  return thresholds;
}
