// The one ledger behind every API surface. Money columns are `numeric` and travel as strings:
// arithmetic happens in SQL, never in JS floats.
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

/** The owning tenant: every tenant-scoped table carries it. */
const workspaceRef = () =>
  uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id);

/** ISO 4217 currencies (and codes in use before this table that ISO does not list): the one place of minor units. */
export const currencies = pgTable(
  "currencies",
  {
    code: text("code").primaryKey(),
    minorUnits: integer("minor_units").notNull(),
  },
  (t) => [
    check("currencies_code_check", sql`${t.code} ~ '^[A-Z]{3}$'`),
    check("currencies_minor_units_check", sql`${t.minorUnits} between 0 and 4`),
  ],
);

export const ACCOUNT_STATUSES = ["setup", "active", "suspended"] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const workspaces = pgTable(
  "workspaces",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** Standard Webhooks secret (whsec_...) signing this workspace's outbound webhooks; made on first use. */
    webhookSecret: text("webhook_secret"),
    createdAt: createdAt(),
  },
  (t) => [
    // The back office's workspace search: case-insensitive name prefix, listed by name (byte order, so
    // LIKE 'prefix%' and the keyset order both come from this one index).
    index("workspaces_name_search_idx").on(sql`lower(${t.name}) COLLATE "C"`, t.id),
  ],
);

export const accounts = pgTable(
  "accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    currency: text("currency")
      .notNull()
      .references(() => currencies.code),
    status: text("status", { enum: ACCOUNT_STATUSES }).notNull().default("active"),
    balance: numeric("balance", { precision: 20, scale: 4 }).notNull().default("0"),
    /** How far below zero the balance may go (a positive number; 0 = no overdraft). */
    overdraftLimit: numeric("overdraft_limit", { precision: 20, scale: 4 }).notNull().default("0"),
    /** Number of ledger entries = the newest entry's `seq` (ledger_post counts under the row lock): O(1) paged totals. */
    entryCount: bigint("entry_count", { mode: "number" }).notNull().default(0),
    /** Set when an upstream charge that had to be recorded took the balance past the overdraft limit. */
    overdrawnAt: timestamp("overdrawn_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("accounts_workspace_idx").on(t.workspaceId),
    // A workspace's accounts in the back office, oldest first, keyset-paged.
    index("accounts_workspace_created_idx").on(t.workspaceId, t.createdAt, t.id),
    check("accounts_status_check", sql`${t.status} in ('setup','active','suspended')`),
    check("accounts_overdraft_check", sql`${t.overdraftLimit} >= 0`),
    // Keeps every balance within 15 significant digits, so it renders exactly as a JSON number.
    check("accounts_balance_range", sql`${t.balance} > -1000000000000 and ${t.balance} < 1000000000000`),
  ],
);

export const LEDGER_SOURCES = ["sms_gateway", "portal", "api", "mobile_money", "crypto"] as const;
export type LedgerSource = (typeof LEDGER_SOURCES)[number];
export const LEDGER_TYPES = ["deposit", "usage", "adjustment", "recharge", "reversal"] as const;
export type LedgerType = (typeof LEDGER_TYPES)[number];

/**
 * The customer legs of ledger transactions. Immutable, append-only: a correction is a new transaction
 * (type reversal/adjustment), never an UPDATE. Two clocks: `occurred_at` is the effective date (what the
 * client or upstream said), `created_at` the posting time; `seq` is the account's gapless posting
 * sequence, and `balance_after` follows it.
 */
export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    amount: numeric("amount", { precision: 20, scale: 4 }).notNull(),
    currency: text("currency").notNull(),
    source: text("source", { enum: LEDGER_SOURCES }).notNull(),
    type: text("type", { enum: LEDGER_TYPES }).notNull(),
    description: text("description"),
    balanceAfter: numeric("balance_after", { precision: 20, scale: 4 }).notNull(),
    occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    createdAt: createdAt(),
    /** Upstream reference (gateway event id, payment id) for traceability. */
    externalRef: text("external_ref"),
    metadata: jsonb("metadata"),
    /** The ledger transaction this leg belongs to (its other legs: system_legs, or other entries). */
    transactionId: bigint("transaction_id", { mode: "number" }).notNull(),
    /** The account's posting sequence: 1, 2, 3… without gaps. */
    seq: bigint("seq", { mode: "number" }).notNull(),
  },
  (t) => [
    // Posting order: the back office's entries list and balance_after; unique, so no sequence repeats.
    uniqueIndex("ledger_account_seq_idx").on(t.accountId, t.seq),
    index("ledger_transaction_idx").on(t.transactionId),
    // Every list is "one account, newest first"; the source variant serves the partial-gateway view.
    index("ledger_account_time_idx").on(t.accountId, t.occurredAt.desc(), t.id.desc()),
    index("ledger_account_source_time_idx").on(t.accountId, t.source, t.occurredAt.desc(), t.id.desc()),
    // Reversals find the entry an upstream event posted.
    index("ledger_external_ref_idx").on(t.externalRef).where(sql`${t.externalRef} IS NOT NULL`),
    // The back office's "entries posted today": BRIN, tiny and cheap to keep on an append-only table.
    index("ledger_created_brin_idx").using("brin", t.createdAt),
    check("ledger_amount_nonzero", sql`${t.amount} <> 0`),
  ],
);

/**
 * How many entries each account has per UTC day of their effective date: spec 002's offset pages deep in
 * a long history start from the right day instead of skipping every newer row. Kept by ledger_post under
 * the account's row lock, so it takes no lock of its own.
 */
export const ledgerDayCounts = pgTable(
  "ledger_day_counts",
  {
    accountId: uuid("account_id").notNull(),
    day: date("day").notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.day] })],
);

/**
 * The system-account legs of ledger transactions (`clearing:sms_gateway`, `revenue:usage`…, one account
 * per code and currency). No sequence and no balance_after: either would be a row every writer of an
 * upstream queues on. Append-only like ledger_entries.
 */
export const systemLegs = pgTable(
  "system_legs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    transactionId: bigint("transaction_id", { mode: "number" }).notNull(),
    accountCode: text("account_code").notNull(),
    currency: text("currency").notNull(),
    amount: numeric("amount", { precision: 20, scale: 4 }).notNull(),
    effectiveAt: timestamp("effective_at", { withTimezone: true, mode: "date" }).notNull(),
    postedAt: timestamp("posted_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** The counter-leg that migration 0009 gave an entry posted before double-entry (the opening balance). */
    opening: boolean("opening").notNull().default(false),
  },
  (t) => [
    index("system_legs_account_idx").on(t.accountCode, t.currency, t.id.desc()),
    index("system_legs_transaction_idx").on(t.transactionId),
    check("system_legs_amount_nonzero", sql`${t.amount} <> 0`),
    check("system_legs_code_check", sql`${t.accountCode} ~ '^[a-z]+:[a-z_]+$'`),
  ],
);

/**
 * A system account's balance as slot rows: a writer adds to the rows no other transaction holds
 * (FOR UPDATE SKIP LOCKED), so no writer ever waits on a system account. The balance is their sum.
 */
export const systemBalances = pgTable(
  "system_balances",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    accountCode: text("account_code").notNull(),
    currency: text("currency").notNull(),
    balance: numeric("balance", { precision: 24, scale: 4 }).notNull(),
  },
  (t) => [index("system_balances_account_idx").on(t.accountCode, t.currency)],
);

export const API_KEY_MODES = ["test", "live"] as const;

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    accountId: uuid("account_id").references(() => accounts.id),
    /** The first characters of the key, shown in listings to recognise it. */
    prefix: text("prefix").notNull(),
    /** Hex SHA-256 of the whole key; the key itself is never stored. */
    secretHash: text("secret_hash").notNull(),
    permissions: text("permissions").array().notNull().default(sql`'{}'::text[]`),
    mode: text("mode", { enum: API_KEY_MODES }).notNull().default("test"),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("api_keys_secret_hash_idx").on(t.secretHash),
    index("api_keys_workspace_idx").on(t.workspaceId),
    // A workspace's keys in the back office, newest first.
    index("api_keys_workspace_created_idx").on(t.workspaceId, t.createdAt.desc(), t.id.desc()),
  ],
);

/**
 * Stored outcomes of writes that carried an Idempotency-Key. Written in the same transaction as the
 * effect, so a key exists if and only if its effect committed.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    responseStatus: integer("response_status").notNull(),
    responseBody: jsonb("response_body").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index("idempotency_expires_idx").on(t.expiresAt)],
);

/** One row per upstream event id: the dedupe guard, written in the same transaction as its effect. */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    upstream: text("upstream").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.upstream, t.eventId] }),
    // The gateway monitor asks for the newest event of an upstream.
    index("webhook_events_recency_idx").on(t.upstream, t.receivedAt.desc()),
    // The back office's payment lookup finds a mobile-money payment's events by its reference (issue 20).
    index("webhook_events_reference_idx")
      .on(sql`(${t.payload}->'data'->>'reference')`)
      .where(sql`${t.upstream} = 'mobile_money'`),
  ],
);

export const MOBILE_MONEY_TYPES = ["PAYMENT", "DIRECT_PAYMENT", "TRANSFERT", "RECHARGE"] as const;
export const MOBILE_MONEY_STATUSES = ["INIT", "PENDING", "COMPLETE", "FAILED", "TIMEOUT"] as const;

/** Mobile-money payments (spec 001): created with an API key, moved by signed gateway webhooks. */
export const mobileMoneyPayments = pgTable(
  "mobile_money_payments",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    workspaceId: workspaceRef(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    apiKeyId: uuid("api_key_id")
      .notNull()
      .references(() => apiKeys.id),
    reference: text("reference").notNull(),
    amount: numeric("amount", { precision: 20, scale: 4 }).notNull(),
    description: text("description"),
    status: text("status", { enum: MOBILE_MONEY_STATUSES }).notNull().default("INIT"),
    transactionType: text("transaction_type", { enum: MOBILE_MONEY_TYPES }).notNull(),
    phone: text("phone"),
    serviceMobileCode: text("service_mobile_code"),
    extraData: jsonb("extra_data"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("mm_reference_idx").on(t.reference),
    index("mm_key_time_idx").on(t.apiKeyId, t.createdAt.desc(), t.id.desc()),
    index("mm_key_status_time_idx").on(t.apiKeyId, t.status, t.createdAt.desc(), t.id.desc()),
    index("mm_key_type_time_idx").on(t.apiKeyId, t.transactionType, t.createdAt.desc(), t.id.desc()),
    check("mm_amount_positive", sql`${t.amount} > 0`),
  ],
);

export const MEMBER_ROLES = ["owner", "staff"] as const;

/** People of a workspace (spec 003). Tokens are signed and short-lived; bumping token_version revokes them all. */
export const workspaceMembers = pgTable(
  "workspace_members",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    email: text("email").notNull(),
    role: text("role", { enum: MEMBER_ROLES }).notNull(),
    permissions: text("permissions").array().notNull().default(sql`'{}'::text[]`),
    tokenVersion: integer("token_version").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("members_workspace_email_idx").on(t.workspaceId, t.email)],
);

export const SMS_PAYMENT_METHODS = ["cash", "bank-transfer", "card", "other"] as const;

/** Payments for SMS credit recorded by a workspace's back office (spec 003), with an optional receipt in R2. */
export const smsPayments = pgTable(
  "sms_payments",
  {
    /** 24 lowercase hex characters. */
    id: text("id").primaryKey(),
    workspaceId: workspaceRef(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    amount: numeric("amount", { precision: 20, scale: 4 }).notNull(),
    paymentMethod: text("payment_method", { enum: SMS_PAYMENT_METHODS }).notNull(),
    description: text("description"),
    notes: text("notes"),
    paymentDate: timestamp("payment_date", { withTimezone: true, mode: "date" }),
    receiptPath: text("receipt_path"),
    receiptSizeBytes: integer("receipt_size_bytes"),
    receiptContentType: text("receipt_content_type"),
    createdBy: uuid("created_by").references(() => workspaceMembers.id),
    ledgerEntryId: bigint("ledger_entry_id", { mode: "number" }).references(() => ledgerEntries.id),
    reversalEntryId: bigint("reversal_entry_id", { mode: "number" }).references(() => ledgerEntries.id),
    deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The list shows the visible (not deleted) payments: a partial index lets deep offsets skip index entries only.
    index("sms_payments_visible_time_idx")
      .on(t.workspaceId, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.deletedAt} IS NULL`),
    check("sms_payments_amount_positive", sql`${t.amount} > 0`),
  ],
);

export const OAUTH_SCOPES = ["read", "write"] as const;

/** OAuth 2.0 clients (client credentials) of a merchant workspace (spec 004). */
export const oauthClients = pgTable(
  "oauth_clients",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    clientId: text("client_id").notNull(),
    secretHash: text("secret_hash").notNull(),
    name: text("name").notNull(),
    scopes: text("scopes").array().notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("oauth_clients_client_id_idx").on(t.clientId),
    // A workspace's clients in the back office, newest first.
    index("oauth_clients_workspace_created_idx").on(t.workspaceId, t.createdAt.desc(), t.id.desc()),
  ],
);

export const CRYPTO_STATUSES = [
  "waiting",
  "confirming",
  "confirmed",
  "sending",
  "completed",
  "expired",
  "failed",
] as const;

/** Crypto payments (spec 004). */
export const cryptoPayments = pgTable(
  "crypto_payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: workspaceRef(),
    /** The merchant account a completed payment credits (amount_usd). */
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    orderId: text("order_id").notNull(),
    amountUsd: numeric("amount_usd", { precision: 20, scale: 2 }).notNull(),
    amountCrypto: numeric("amount_crypto", { precision: 30, scale: 6 }).notNull(),
    currency: text("currency").notNull(),
    blockchain: text("blockchain").notNull(),
    token: text("token").notNull(),
    address: text("address").notNull(),
    status: text("status", { enum: CRYPTO_STATUSES }).notNull().default("waiting"),
    transactionHash: text("transaction_hash"),
    confirmations: integer("confirmations").notNull().default(0),
    callbackUrl: text("callback_url"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("crypto_workspace_time_idx").on(t.workspaceId, t.createdAt.desc(), t.id.desc()),
    index("crypto_workspace_status_time_idx").on(t.workspaceId, t.status, t.createdAt.desc(), t.id.desc()),
    // The back office's payment lookup by order id (issue 20).
    index("crypto_order_id_idx").on(t.orderId),
    check("crypto_amount_positive", sql`${t.amountUsd} > 0`),
  ],
);

export const cryptoPaymentHistory = pgTable(
  "crypto_payment_history",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => cryptoPayments.id),
    status: text("status", { enum: CRYPTO_STATUSES }).notNull(),
    eventId: text("event_id"),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("crypto_history_payment_idx").on(t.paymentId, t.id)],
);

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;

/** Outbound webhooks to merchants: one row per event, updated by every delivery attempt. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    /** The Standard Webhooks `webhook-id` (msg_...): receivers deduplicate on it. */
    id: text("id").primaryKey(),
    workspaceId: workspaceRef(),
    url: text("url").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true, mode: "date" }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    // A workspace's deliveries, newest first (id breaks ties, so the order comes whole from the index).
    index("deliveries_workspace_time_idx").on(t.workspaceId, t.createdAt.desc(), t.id.desc()),
    // The back office's "failing deliveries": attempted, not delivered, newest attempt first.
    index("deliveries_failing_idx")
      .on(t.lastAttemptAt.desc(), t.id.desc())
      .where(sql`${t.status} <> 'delivered' AND ${t.lastError} IS NOT NULL`),
    // The scheduled sweep's "never attempted" rows.
    index("deliveries_unattempted_idx").on(t.createdAt).where(sql`${t.status} = 'pending' AND ${t.attempts} = 0`),
  ],
);

// List totals (specs 001, 003, 004), kept by statement-level triggers on the counted tables, one function
// per counter written from its declaration (drizzle/functions/60–63), so every writer, old code during a
// rollout included, keeps them exact, in the same transaction as the rows. A counter may span several rows, summed on read: a writer
// adds to the rows no other transaction holds (folding them into one) and adds a row when all are held,
// so writers never wait on a counter, never queue on a hot tenant's counter row and never deadlock on one.
// Counter rows carry no foreign keys: they are derived data, checked by the `counter_drift` view.

/** Every list total: per counter (the counted table's name), owner, dimensions and, for a per-day counter, UTC day. */
export const listCounts = pgTable(
  "list_counts",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    counter: text("counter").notNull(),
    ownerId: uuid("owner_id").notNull(),
    /** The counted row's dimension columns by name, e.g. {"status": "COMPLETE", "transaction_type": "PAYMENT"}. */
    dims: jsonb("dims").$type<Record<string, string>>().notNull(),
    /** NULL except in per-day counters. */
    day: date("day", { mode: "string" }),
    n: bigint("n", { mode: "number" }).notNull(),
  },
  // count_add finds a counter's rows by all four; readers by counter and owner, then a day range.
  (t) => [index("list_counts_owner_idx").on(t.counter, t.ownerId, t.day, t.dims)],
);

export const OPERATOR_ROLES = ["viewer", "operator", "approver", "admin"] as const;

/** Named people who run the back office and the admin API (issue 21). Tokens are stored as SHA-256. */
export const operators = pgTable(
  "operators",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    role: text("role", { enum: OPERATOR_ROLES }).notNull(),
    tokenHash: text("token_hash").notNull(),
    /** Set when the operator is disabled: its token and its Access sign-in stop. */
    disabledAt: timestamp("disabled_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("operators_email_idx").on(t.email),
    uniqueIndex("operators_token_hash_idx").on(t.tokenHash),
    check("operators_role_check", sql`${t.role} in ('viewer','operator','approver','admin')`),
  ],
);

/**
 * Who did what: one row per state-changing admin or portal action, written in the action's own statement
 * or batch. Append-only: a trigger refuses UPDATE and DELETE (migration 0009).
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** The operator, or null for the bootstrap token (actor_email `bootstrap`). */
    actorId: uuid("actor_id"),
    actorEmail: text("actor_email").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id").notNull(),
    /** The workspace and account the target belongs to, when it has them (their pages list last actions). */
    workspaceId: uuid("workspace_id"),
    accountId: uuid("account_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    amount: numeric("amount"),
    currency: text("currency"),
    requestId: text("request_id"),
    clientIp: text("client_ip"),
  },
  (t) => [
    index("audit_events_newest_idx").on(t.occurredAt, t.id),
    index("audit_events_actor_idx").on(t.actorEmail, t.occurredAt, t.id),
    index("audit_events_actor_id_idx").on(t.actorId, t.occurredAt, t.id),
    index("audit_events_target_idx").on(t.targetId, t.occurredAt, t.id),
    index("audit_events_workspace_idx").on(t.workspaceId, t.occurredAt, t.id),
    index("audit_events_account_idx").on(t.accountId, t.occurredAt, t.id),
  ],
);

export const APPROVAL_STATUSES = ["pending", "approved", "rejected", "expired"] as const;

/** Adjustments at or above the threshold wait here for a second operator (four eyes). */
export const approvals = pgTable(
  "approvals",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    workspaceId: workspaceRef(),
    amount: numeric("amount").notNull(),
    currency: text("currency").notNull(),
    description: text("description").notNull(),
    /** Stored pending; read as expired once expires_at has passed. */
    status: text("status", { enum: APPROVAL_STATUSES }).notNull().default("pending"),
    requestedBy: uuid("requested_by")
      .notNull()
      .references(() => operators.id),
    requestedByEmail: text("requested_by_email").notNull(),
    decidedBy: uuid("decided_by").references(() => operators.id),
    decidedByEmail: text("decided_by_email"),
    decidedAt: timestamp("decided_at", { withTimezone: true, mode: "date" }),
    note: text("note"),
    /** The ledger entry the approval posted. */
    entryId: bigint("entry_id", { mode: "number" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" })
      .notNull()
      .default(sql`now() + interval '7 days'`),
  },
  (t) => [
    index("approvals_status_idx").on(t.status, t.createdAt, t.id),
    index("approvals_account_idx").on(t.accountId, t.createdAt, t.id),
    check("approvals_status_check", sql`${t.status} in ('pending','approved','rejected','expired')`),
  ],
);

// ---------- reconciliation with the upstreams (issue 20) ----------

export const RECONCILIATION_STATUSES = ["importing", "open", "settled"] as const;
export const RECONCILIATION_BUCKETS = [
  "matched",
  "amount_mismatch",
  "missing_in_ledger",
  "missing_in_report",
  "duplicate",
] as const;
export const RESOLUTIONS = ["adjust", "write_off", "timing"] as const;

/**
 * One imported settlement report of an upstream. Invisible while `importing` (its lines stream into
 * reconciliation_lines in batches); the import's final statement buckets it and opens it. An import left
 * `importing` (the Worker died mid-stream) is purged by the scheduled job.
 */
export const reconciliations = pgTable(
  "reconciliations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    upstream: text("upstream").notNull(),
    currency: text("currency")
      .notNull()
      .references(() => currencies.code),
    periodFrom: timestamp("period_from", { withTimezone: true, mode: "date" }).notNull(),
    periodTo: timestamp("period_to", { withTimezone: true, mode: "date" }).notNull(),
    /** SHA-256 of the report's lines: the same file uploaded again answers with this reconciliation. */
    fileSha256: text("file_sha256"),
    status: text("status", { enum: RECONCILIATION_STATUSES }).notNull().default("importing"),
    lineCount: integer("line_count").notNull().default(0),
    summary: jsonb("summary"),
    actor: text("actor").notNull(),
    createdAt: createdAt(),
    openedAt: timestamp("opened_at", { withTimezone: true, mode: "date" }),
    settledAt: timestamp("settled_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("reconciliations_file_idx")
      .on(t.upstream, t.currency, t.fileSha256)
      .where(sql`${t.status} <> 'importing'`),
    index("reconciliations_list_idx").on(t.upstream, t.createdAt.desc(), t.id.desc()),
    index("reconciliations_importing_idx").on(t.createdAt).where(sql`${t.status} = 'importing'`),
    check("reconciliations_period_check", sql`${t.periodFrom} < ${t.periodTo}`),
  ],
);

/** The parsed lines of a report while it imports (staging; removed when the reconciliation opens). */
export const reconciliationLines = pgTable(
  "reconciliation_lines",
  {
    reconciliationId: uuid("reconciliation_id")
      .notNull()
      .references(() => reconciliations.id, { onDelete: "cascade" }),
    lineNo: integer("line_no").notNull(),
    keyField: text("key_field").notNull(),
    keys: text("keys").array().notNull(),
    amount: numeric("amount", { precision: 20, scale: 4 }).notNull(),
    fee: numeric("fee", { precision: 20, scale: 4 }).notNull(),
    settledAt: timestamp("settled_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.reconciliationId, t.lineNo] })],
);

/** Every report line and every clearing credit of the period, in exactly one bucket, and its resolution. */
export const reconciliationItems = pgTable(
  "reconciliation_items",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    reconciliationId: uuid("reconciliation_id")
      .notNull()
      .references(() => reconciliations.id, { onDelete: "cascade" }),
    bucket: text("bucket", { enum: RECONCILIATION_BUCKETS }).notNull(),
    /** The report's key field (keys joined by |), or the ledger credit's key for missing_in_report. */
    key: text("key").notNull(),
    lineNo: integer("line_no"),
    reportAmount: numeric("report_amount", { precision: 20, scale: 4 }),
    fee: numeric("fee", { precision: 20, scale: 4 }),
    ledgerAmount: numeric("ledger_amount", { precision: 20, scale: 4 }),
    /** The customer account an `adjust` posts to (the credit's, or the never-completed payment's). */
    accountId: uuid("account_id"),
    /** The ledger transactions of the credits this item stands for. */
    creditTransactionIds: bigint("credit_transaction_ids", { mode: "number" }).array().notNull(),
    resolution: text("resolution", { enum: RESOLUTIONS }),
    resolutionNote: text("resolution_note"),
    resolvedBy: text("resolved_by"),
    resolvedAt: timestamp("resolved_at", { withTimezone: true, mode: "date" }),
    resolutionTransactionId: bigint("resolution_transaction_id", { mode: "number" }),
    settledTransactionId: bigint("settled_transaction_id", { mode: "number" }),
  },
  (t) => [index("reconciliation_items_bucket_idx").on(t.reconciliationId, t.bucket, t.id)],
);

/** Credits already settled by a reconciliation: a later report never matches them again. */
export const reconciliationSettledCredits = pgTable("reconciliation_settled_credits", {
  transactionId: bigint("transaction_id", { mode: "number" }).primaryKey(),
  itemId: bigint("item_id", { mode: "number" })
    .notNull()
    .references(() => reconciliationItems.id, { onDelete: "cascade" }),
});

/**
 * Verified upstream events the receivers refused (unknown payment, illegal move, bad payload…): they
 * leave no webhook_events row, so this is how health reports "received and refused, with no posting".
 * One row per event id (a retry refused again updates it), written on the refusal path only.
 */
export const webhookRefusals = pgTable(
  "webhook_refusals",
  {
    upstream: text("upstream").notNull(),
    eventId: text("event_id").notNull(),
    status: integer("status").notNull(),
    reason: text("reason").notNull(),
    payload: text("payload").notNull(),
    attempts: integer("attempts").notNull().default(1),
    firstAt: timestamp("first_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastAt: timestamp("last_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.upstream, t.eventId] }),
    index("webhook_refusals_recency_idx").on(t.upstream, t.lastAt.desc()),
  ],
);
