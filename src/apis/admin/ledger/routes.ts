// Routes of the ledger resource: where the money is (trial balance), one transaction's legs, a system
// account's legs.
import { jsonContent } from "../../../http/openapi";
import { adminErrors, adminRoute } from "../route-base";
import {
  LedgerTransaction,
  SystemAccountParam,
  SystemEntries,
  SystemEntriesQuery,
  TransactionParam,
  TrialBalance,
} from "./schemas";

export const getTrialBalance = adminRoute({
  operationId: "getTrialBalance",
  summary: "Get the trial balance",
  method: "get",
  path: "/ledger/trial-balance",
  description:
    "Per currency: the sum of the customer balances, each system account's balance (clearing:<upstream>, " +
    "clearing:api, clearing:manual, revenue:usage, adjustments:portal, settlement:, fees:, writeoff:) and their " +
    "total, which is 0 in every currency when the ledger balances. Decimal text in the currency's minor units.",
  responses: { 200: jsonContent(TrialBalance, "The trial balance"), ...adminErrors },
});

export const getLedgerTransaction = adminRoute({
  operationId: "getLedgerTransaction",
  summary: "Get a ledger transaction and its legs",
  method: "get",
  path: "/ledger/transactions/{transaction_id}",
  description:
    "One ledger transaction: its effective and posting times and its legs (customer accounts by id, system " +
    "accounts by code), which sum to zero per currency.",
  request: { params: TransactionParam },
  responses: { 200: jsonContent(LedgerTransaction, "The transaction"), ...adminErrors },
});

export const listSystemAccountEntries = adminRoute({
  operationId: "listSystemAccountEntries",
  summary: "List a system account's legs",
  method: "get",
  path: "/ledger/system-accounts/{code}/entries",
  description: "A system account's legs in one currency, newest first (posting order), cursor-paged.",
  request: { params: SystemAccountParam, query: SystemEntriesQuery },
  responses: { 200: jsonContent(SystemEntries, "A page of legs"), ...adminErrors },
});
