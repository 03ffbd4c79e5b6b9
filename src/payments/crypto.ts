// Crypto payments (spec 004) as a domain: their status machine, the currencies accepted and the spec's
// error envelope (the payment as the spec shows it is built in SQL: payments/queries.ts). The API
// (src/apis/crypto-payments) and the processor's webhook (src/webhooks) both build on this.
//
// The status machine: forward only along waiting → confirming → confirmed → sending → completed
// (skipping steps is allowed: the processor may report `completed` directly); `expired` only from
// waiting or confirming; `failed` from any non-terminal state. completed, expired and failed are terminal.
import { CRYPTO_STATUSES } from "../db/schema";
import { randomToken } from "../lib/crypto";
import type { AppError, ErrorKind } from "../lib/errors";

export type CryptoStatus = (typeof CRYPTO_STATUSES)[number];

// ---------- status machine ----------

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

/** The statuses from which an event may move a payment to `to`. */
export const legalSourcesOf = (to: CryptoStatus): CryptoStatus[] =>
  CRYPTO_STATUSES.filter((from) => transition(from, to) === "apply");

// ---------- catalogue ----------
// The crypto currencies this service accepts, their networks, local conversion rates and deposit address
// formats. A real deployment takes the quote (amount_crypto) and the deposit address from the crypto
// processor when it creates the payment; the fixed local rates and generated addresses below keep the
// local stack and the tests self-contained.

export type CurrencyInfo = {
  /** Network code as the list shows it ("TRX", "ETH"...). */
  blockchain: string;
  token: string;
  /** Crypto units per USD (exact decimal text); stablecoins carry a 0.05% network/processing margin. */
  rate: string;
};

/** Combined currency codes ("USDTTRC20" = USDT on TRON). */
export const CURRENCIES: Record<string, CurrencyInfo> = {
  USDTTRC20: { blockchain: "TRX", token: "USDT", rate: "1.0005" },
  USDCTRC20: { blockchain: "TRX", token: "USDC", rate: "1.0005" },
  USDTERC20: { blockchain: "ETH", token: "USDT", rate: "1.0005" },
  USDCERC20: { blockchain: "ETH", token: "USDC", rate: "1.0005" },
  USDTBEP20: { blockchain: "BSC", token: "USDT", rate: "1.0005" },
  BTC: { blockchain: "BTC", token: "BTC", rate: "0.00001" },
  ETH: { blockchain: "ETH", token: "ETH", rate: "0.00025" },
};

export const CURRENCY_CODES = Object.keys(CURRENCIES);

/**
 * Network names a client may filter by, case-insensitively, mapped to the code stored with the payment.
 * The spec's own example filters `blockchain=TRON` while its data shows `"blockchain": "TRX"`.
 */
const CHAIN_ALIASES: Record<string, string> = {
  TRX: "TRX",
  TRON: "TRX",
  TRC20: "TRX",
  ETH: "ETH",
  ETHEREUM: "ETH",
  ERC20: "ETH",
  BSC: "BSC",
  BNB: "BSC",
  BEP20: "BSC",
  BTC: "BTC",
  BITCOIN: "BTC",
};

export function canonicalBlockchain(value: string): string {
  const upper = value.trim().toUpperCase();
  return CHAIN_ALIASES[upper] ?? upper;
}

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const HEX = "0123456789abcdef";
const BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/** A deposit address in the network's format: TRON "T…" (34 base58), EVM "0x…" (40 hex), Bitcoin bech32. */
export function depositAddress(blockchain: string): string {
  switch (blockchain) {
    case "TRX":
      return `T${randomToken(33, BASE58)}`;
    case "BTC":
      return `bc1q${randomToken(38, BECH32)}`;
    default:
      return `0x${randomToken(40, HEX)}`;
  }
}

// ---------- errors ----------

const ERROR_CODES: Record<ErrorKind, string> = {
  bad_request: "invalid_request",
  unauthorized: "not_authenticated",
  forbidden: "permission_denied",
  not_found: "not_found",
  conflict: "conflict",
  payload_too_large: "payload_too_large",
  unprocessable: "unprocessable_entity",
  rate_limited: "throttled",
  internal: "internal_error",
  unavailable: "service_unavailable",
};

/** Spec 004's error envelope {"error":{"code","message","details"?,"request_id"?}}: the API's and its webhook's. */
export const renderCryptoError = (err: AppError, requestId: string) => ({
  error: {
    code: ERROR_CODES[err.kind],
    message: err.message,
    ...(err.details ? { details: err.details } : {}),
    ...(err.status >= 500 ? { request_id: requestId } : {}),
  },
});
