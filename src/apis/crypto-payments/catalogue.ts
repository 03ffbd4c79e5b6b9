// The crypto currencies this service accepts, their networks, local conversion rates and deposit
// address formats. A real deployment takes the quote (amount_crypto) and the deposit address from the
// crypto processor when it creates the payment; the fixed local rates and generated addresses below keep
// the local stack and the tests self-contained.
import { randomToken } from "../../lib/crypto";

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
