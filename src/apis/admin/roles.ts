// The role each admin route needs, by operationId: one table, read by the route guard and by the
// table-driven role test (a route missing here does not compile, and the test lists every route).
import type { OperatorRole } from "../../auth/admin";

export const ROUTE_ROLES = {
  // workspaces
  listWorkspaces: "viewer",
  getWorkspace: "viewer",
  createWorkspace: "admin",
  // accounts
  listAccounts: "viewer",
  getAccount: "viewer",
  getBalanceHistory: "viewer",
  createAccount: "admin",
  updateAccountStatus: "operator",
  // entries
  listEntries: "viewer",
  exportEntries: "viewer",
  createAdjustment: "operator",
  importEntry: "admin",
  // api keys
  listApiKeys: "viewer",
  createApiKey: "operator",
  revokeApiKey: "operator",
  revokeWorkspaceApiKey: "operator",
  // members
  listMembers: "viewer",
  createMember: "operator",
  createMemberToken: "operator",
  revokeMemberTokens: "operator",
  createWorkspaceMemberToken: "operator",
  revokeWorkspaceMemberTokens: "operator",
  // oauth clients
  listOAuthClients: "viewer",
  createOAuthClient: "operator",
  revokeOAuthClient: "operator",
  // deliveries
  listDeliveries: "viewer",
  retryDelivery: "operator",
  getWebhookSecret: "operator",
  // gateway
  getGatewayStatus: "viewer",
  putGatewayStatus: "admin",
  // overview
  getOverview: "viewer",
  // approvals
  listApprovals: "viewer",
  approveApproval: "approver",
  rejectApproval: "approver",
  // operators
  listOperators: "admin",
  createOperator: "admin",
  updateOperator: "admin",
  disableOperator: "admin",
  // audit
  listAuditEvents: "viewer",
  // ledger
  getTrialBalance: "viewer",
  getLedgerTransaction: "viewer",
  listSystemAccountEntries: "viewer",
  // reconciliations (issue 20)
  importReconciliation: "operator",
  listReconciliations: "viewer",
  getReconciliation: "viewer",
  listReconciliationItems: "viewer",
  exportReconciliationItems: "viewer",
  resolveReconciliationItem: "operator",
  settleReconciliation: "approver",
  // upstreams and payments (issue 20)
  getUpstreamHealth: "viewer",
  listUpstreamClearing: "viewer",
  searchPayments: "viewer",
} as const satisfies Record<string, OperatorRole>;

export type AdminOperation = keyof typeof ROUTE_ROLES;
