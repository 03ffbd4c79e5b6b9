// The crypto payment status machine. Forward only along waiting → confirming → confirmed → sending →
// completed (skipping steps is allowed: the processor may report `completed` directly); `expired` only
// from waiting or confirming; `failed` from any non-terminal state. completed, expired and failed are
// terminal.
import type { CRYPTO_STATUSES } from "../../db/schema";

export type CryptoStatus = (typeof CRYPTO_STATUSES)[number];

const FORWARD: Partial<Record<CryptoStatus, number>> = {
  waiting: 0,
  confirming: 1,
  confirmed: 2,
  sending: 3,
  completed: 4,
};

export const TERMINAL_STATUSES: readonly CryptoStatus[] = ["completed", "expired", "failed"];

/** `apply`: a legal move; `same`: already there (details may still update); `illegal`: refused. */
export function transition(from: CryptoStatus, to: CryptoStatus): "apply" | "same" | "illegal" {
  if (from === to) return "same";
  if (TERMINAL_STATUSES.includes(from)) return "illegal";
  if (to === "failed") return "apply";
  if (to === "expired") return from === "waiting" || from === "confirming" ? "apply" : "illegal";
  const a = FORWARD[from];
  const b = FORWARD[to];
  return a !== undefined && b !== undefined && b > a ? "apply" : "illegal";
}
