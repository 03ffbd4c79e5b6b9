// Every route object of the app by surface, for callRoute (route-call.ts): a test names the route it calls.

export * as accountTransactions from "../src/apis/account-transactions/routes";
export * as accounts from "../src/apis/admin/accounts/routes";
export * as apiKeys from "../src/apis/admin/api-keys/routes";
export * as approvals from "../src/apis/admin/approvals/routes";
export * as audit from "../src/apis/admin/audit/routes";
export * as deliveries from "../src/apis/admin/deliveries/routes";
export * as entries from "../src/apis/admin/entries/routes";
export * as gateway from "../src/apis/admin/gateway/routes";
export * as ledger from "../src/apis/admin/ledger/routes";
export * as members from "../src/apis/admin/members/routes";
export * as oauthClients from "../src/apis/admin/oauth-clients/routes";
export * as operators from "../src/apis/admin/operators/routes";
export * as overview from "../src/apis/admin/overview/routes";
export * as adminPayments from "../src/apis/admin/payments/routes";
export * as reconciliations from "../src/apis/admin/reconciliations/routes";
export * as upstreams from "../src/apis/admin/upstreams/routes";
export * as workspaces from "../src/apis/admin/workspaces/routes";
export * as cryptoPayments from "../src/apis/crypto-payments/routes";
export * as oauth from "../src/apis/oauth/routes";
export * as paiements from "../src/apis/paiements/routes";
export * as smsPayments from "../src/apis/sms-payments/routes";
export * as userPayments from "../src/apis/user-payments/routes";

import { receiveCryptoEvent } from "../src/webhooks/crypto";
import { receiveMobileMoneyEvent } from "../src/webhooks/mobile-money";
import { receiveSmsGatewayEvent } from "../src/webhooks/sms-gateway";
/** The webhook receivers' documented routes (one each), for signed raw bodies via callRouteUnchecked. */
export const webhooks = { receiveCryptoEvent, receiveMobileMoneyEvent, receiveSmsGatewayEvent };
