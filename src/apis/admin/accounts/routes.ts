// Routes of the accounts resource: a workspace's accounts, one account, its daily balance, create, status.
import { jsonBody, jsonContent } from "../../../http/openapi";
import { uuidParam } from "../../../http/params";
import { MAX_PERIOD_DAYS } from "../common";
import { adminErrors, adminRoute } from "../route-base";
import {
  Account,
  AccountDetail,
  AccountList,
  AccountListQuery,
  BalanceHistory,
  BalanceHistoryQuery,
  CreateAccount,
  PatchAccount,
} from "./schemas";

export const listAccounts = adminRoute({
  operationId: "listAccounts",
  summary: "List a workspace's accounts",
  method: "get",
  path: "/workspaces/{workspace_id}/accounts",
  description: "The workspace's accounts, oldest first, keyset-paged.",
  request: { params: uuidParam("workspace_id"), query: AccountListQuery },
  responses: { 200: jsonContent(AccountList, "A page of accounts"), ...adminErrors },
});

export const getAccount = adminRoute({
  operationId: "getAccount",
  summary: "Get an account with its reconciliation",
  method: "get",
  path: "/accounts/{account_id}",
  description: "One account, with the sum and count of its ledger rows against its balance.",
  request: { params: uuidParam("account_id") },
  responses: { 200: jsonContent(AccountDetail, "The account"), ...adminErrors },
});

export const getBalanceHistory = adminRoute({
  operationId: "getBalanceHistory",
  summary: "An account's closing balance per day",
  method: "get",
  path: "/accounts/{account_id}/balance-history",
  description:
    "The closing balance of each UTC day from `from` to `to` (inclusive; default the last 30 days), one point " +
    `per day, at most ${MAX_PERIOD_DAYS}: the balance as it really was at the end of that day, by posting time ` +
    "(posted_at): the balance_after of the day's last posting in posting order.",
  request: { params: uuidParam("account_id"), query: BalanceHistoryQuery },
  responses: { 200: jsonContent(BalanceHistory, "One point per day"), ...adminErrors },
});

export const createAccount = adminRoute({
  operationId: "createAccount",
  summary: "Create an account",
  method: "post",
  path: "/workspaces/{workspace_id}/accounts",
  request: { params: uuidParam("workspace_id"), ...jsonBody(CreateAccount) },
  responses: { 201: jsonContent(Account, "Account created"), ...adminErrors },
});

export const updateAccountStatus = adminRoute({
  operationId: "updateAccountStatus",
  summary: "Change an account's status",
  method: "patch",
  path: "/accounts/{account_id}",
  request: { params: uuidParam("account_id"), ...jsonBody(PatchAccount) },
  responses: { 200: jsonContent(Account, "Account updated; its KV mirror too"), ...adminErrors },
});
