-- ledger_post: the only code that changes a customer balance. It posts one balanced ledger transaction:
-- the customer leg (ledger_entries, with the account's next posting sequence and its balance_after) and
-- the counter-leg on a system account (system_legs; its balance in slot rows, system_balance.sql).
--
-- The customer side is ONE conditional UPDATE: under Read Committed Postgres re-checks its WHERE clause
-- on the newest row version after waiting for a concurrent writer, so concurrent debits can neither lose
-- an update nor overdraw. Tenant, key revocation, suspension, overdraft and the currency's precision
-- (the amount's own scale against currencies.minor_units) are all in that WHERE. On a refusal a second
-- look (fresh snapshot) names the reason.
--
-- Called with named arguments (ledger_post(p_account_id => …, …)). Returns the entry as JSON,
-- {"failure": reason, …} on a refusal, or NULL when the batch's idempotency claim said the effect must
-- not run.
CREATE OR REPLACE FUNCTION ledger_post(
  p_account_id uuid,
  p_amount numeric,
  p_counter text,                       -- the system account of the counter-leg: 'clearing:api', …
  p_source text,
  p_type text,
  p_workspace_id uuid DEFAULT NULL,     -- tenant guard; NULL only for the back office and upstream events
  p_description text DEFAULT NULL,
  p_effective_at timestamptz DEFAULT NULL,  -- what the client or upstream said; NULL = now()
  p_external_ref text DEFAULT NULL,
  p_metadata jsonb DEFAULT NULL,
  p_enforce_overdraft boolean DEFAULT false,
  p_api_key_id uuid DEFAULT NULL,       -- re-checked unrevoked when given
  p_require_not_suspended boolean DEFAULT false
) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  acct record;
  entry record;
  tx bigint;
  posted timestamptz;
  current_status text;
  current_currency text;
BEGIN
  IF NOT idempotency_open() THEN
    RETURN NULL;
  END IF;
  -- overdrawn_at flags an account past its overdraft (only postings that do not enforce it get there, such
  -- as gateway usage already sent), from the first posting past it until the one that brings it back.
  UPDATE accounts a SET balance = balance + p_amount, entry_count = entry_count + 1, updated_at = now(),
    overdrawn_at = CASE WHEN balance + p_amount < -overdraft_limit THEN coalesce(overdrawn_at, now()) END
  WHERE id = p_account_id
    AND (p_workspace_id IS NULL OR workspace_id = p_workspace_id)
    AND (p_api_key_id IS NULL OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = p_api_key_id AND k.revoked_at IS NULL))
    AND (NOT p_require_not_suspended OR status <> 'suspended')
    AND currency_allows(a.currency, p_amount)
    AND (NOT p_enforce_overdraft OR p_amount >= 0 OR balance + p_amount >= -overdraft_limit)
  RETURNING id, balance, currency, entry_count INTO acct;
  IF FOUND THEN
    tx := nextval('ledger_transaction_id_seq');
    -- The posting time is taken under the account's row lock, so it never decreases along `seq`.
    posted := clock_timestamp();
    INSERT INTO ledger_entries (account_id, amount, currency, source, type, description, balance_after,
      occurred_at, created_at, external_ref, metadata, transaction_id, seq)
    VALUES (acct.id, p_amount, acct.currency, p_source, p_type, p_description, acct.balance,
      coalesce(p_effective_at, posted), posted, p_external_ref, p_metadata, tx, acct.entry_count)
    RETURNING id, amount, balance_after, currency, occurred_at, source, type, description INTO entry;
    -- Spec 002's deep pages start from the right day (under the account's row lock: no lock of its own).
    INSERT INTO ledger_day_counts (account_id, day, n)
    VALUES (acct.id, (entry.occurred_at AT TIME ZONE 'UTC')::date, 1)
    ON CONFLICT (account_id, day) DO UPDATE SET n = ledger_day_counts.n + 1;
    INSERT INTO system_legs (transaction_id, account_code, currency, amount, effective_at, posted_at)
    VALUES (tx, p_counter, acct.currency, -p_amount, entry.occurred_at, posted);
    PERFORM system_balance_add(p_counter, acct.currency, -p_amount);
    RETURN jsonb_build_object(
      'id', entry.id,
      'transaction_id', tx,
      'amount', entry.amount::text,
      'balance_after', entry.balance_after::text,
      'currency', entry.currency,
      'occurred_at', to_char(entry.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'posted_at', to_char(posted AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'source', entry.source,
      'type', entry.type,
      'description', entry.description);
  END IF;
  SELECT a.status, a.currency INTO current_status, current_currency FROM accounts a
  WHERE a.id = p_account_id AND (p_workspace_id IS NULL OR a.workspace_id = p_workspace_id);
  IF NOT FOUND THEN
    RETURN jsonb_build_object('failure', 'account_not_found');
  END IF;
  IF p_api_key_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = p_api_key_id AND k.revoked_at IS NULL) THEN
    RETURN jsonb_build_object('failure', 'key_revoked');
  END IF;
  IF p_require_not_suspended AND current_status = 'suspended' THEN
    RETURN jsonb_build_object('failure', 'account_suspended');
  END IF;
  IF NOT currency_allows(current_currency, p_amount) THEN
    RETURN currency_precision_refusal(current_currency);
  END IF;
  RETURN jsonb_build_object('failure', 'insufficient_funds');
END $$;
