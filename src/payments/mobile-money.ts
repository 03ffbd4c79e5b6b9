// Mobile-money payments (spec 001) as a domain: a payment starts in INIT under a fresh reference (the API
// creates it), and the gateway's events move it along the legal moves below (the webhook applies them);
// reaching COMPLETE credits the account once. src/apis/paiements and src/webhooks both build on this.
import { MOBILE_MONEY_STATUSES, type MOBILE_MONEY_TYPES } from "../db/schema";
import { randomToken } from "../lib/crypto";

export type MobileMoneyStatus = (typeof MOBILE_MONEY_STATUSES)[number];
export type MobileMoneyType = (typeof MOBILE_MONEY_TYPES)[number];

/** The legal moves; COMPLETE, FAILED and TIMEOUT are terminal. */
export const NEXT: Record<MobileMoneyStatus, readonly MobileMoneyStatus[]> = {
  INIT: ["PENDING", "FAILED", "TIMEOUT"],
  PENDING: ["COMPLETE", "FAILED", "TIMEOUT"],
  COMPLETE: [],
  FAILED: [],
  TIMEOUT: [],
};

/** The statuses from which an event may move a payment to `to`. */
export const legalSourcesOf = (to: MobileMoneyStatus): MobileMoneyStatus[] =>
  MOBILE_MONEY_STATUSES.filter((from) => NEXT[from].includes(to));

const REFERENCE_PREFIX: Record<MobileMoneyType, string> = {
  PAYMENT: "API_PAY_REF_",
  DIRECT_PAYMENT: "API_DIRECT_REF_",
  TRANSFERT: "API_TRANSFER_REF_",
  RECHARGE: "API_RECHARGE_REF_",
};

/** A fresh payment reference: the type's prefix and 18 random digits (the gateway's events name it). */
export const newReference = (type: MobileMoneyType) => `${REFERENCE_PREFIX[type]}${randomToken(18, "0123456789")}`;
