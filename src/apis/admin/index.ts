// Portal admin API (/admin/v1): the back office's contract. One folder per resource, each split into
// routes (with operationId, summary, security and role), handlers and SQL; this file mounts them all
// on one router with the admin error envelope.
import type { AdminEnv } from "../../auth/admin";
import { createSurface } from "../../http/surface";
import { accountsAdmin } from "./accounts/handlers";
import { apiKeysAdmin } from "./api-keys/handlers";
import { approvalsAdmin } from "./approvals/handlers";
import { auditAdmin } from "./audit/handlers";
import { deliveriesAdmin } from "./deliveries/handlers";
import { entriesAdmin } from "./entries/handlers";
import { adminErrorRenderer } from "./errors";
import { gatewayAdmin } from "./gateway/handlers";
import { ledgerAdmin } from "./ledger/handlers";
import { membersAdmin } from "./members/handlers";
import { oauthClientsAdmin } from "./oauth-clients/handlers";
import { operatorsAdmin } from "./operators/handlers";
import { overviewAdmin } from "./overview/handlers";
import { paymentsAdmin } from "./payments/handlers";
import { reconciliationsAdmin } from "./reconciliations/handlers";
import { upstreamsAdmin } from "./upstreams/handlers";
import { workspacesAdmin } from "./workspaces/handlers";

/** Every admin resource's router; a new resource is one more line here. */
const RESOURCES = [
  workspacesAdmin,
  accountsAdmin,
  entriesAdmin,
  apiKeysAdmin,
  membersAdmin,
  oauthClientsAdmin,
  deliveriesAdmin,
  gatewayAdmin,
  overviewAdmin,
  approvalsAdmin,
  operatorsAdmin,
  auditAdmin,
  ledgerAdmin,
  reconciliationsAdmin,
  upstreamsAdmin,
  paymentsAdmin,
];

export const adminApi = createSurface<AdminEnv>(adminErrorRenderer);
for (const resource of RESOURCES) adminApi.route("/", resource);
