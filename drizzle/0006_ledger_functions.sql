-- One database round trip per money write (issue 11). The conditional logic lives next to the data in
-- three functions, so that a write is one statement, or one non-interactive batch of two:
--   1. SELECT * FROM idempotency_claim(scope, key, hash)   -- only when an Idempotency-Key is given
--   2. one statement whose effects call ledger_post(...) and store the answer in idempotency_keys.
-- Under Read Committed every statement inside a VOLATILE PL/pgSQL function takes a fresh snapshot, so
-- "take the key's advisory lock, then look the key up" inside idempotency_claim sees every answer
-- committed before the lock was granted: a retry can never miss the first attempt's stored answer.
--
-- The claim's verdict is kept for the rest of the transaction in a transaction-local setting, which the
-- effect statement reads through idempotency_open(): when the key was busy, replayed or mismatched,
-- every posting in the batch is a no-op, so nothing is posted twice.
CREATE OR REPLACE FUNCTION idempotency_open() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('payments_edge.idempotency', true), '') IN ('', 'open')
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION idempotency_claim(p_scope text, p_key text, p_hash text)
RETURNS TABLE (state text, response_status integer, response_body jsonb)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  found_row record;
BEGIN
  -- Same lock key as the interactive code before this migration, so both agree during a rollout.
  IF NOT pg_try_advisory_xact_lock(hashtextextended(p_scope || ' ' || p_key, 0)) THEN
    PERFORM set_config('payments_edge.idempotency', 'busy', true);
    RETURN QUERY SELECT 'busy'::text, NULL::integer, NULL::jsonb;
    RETURN;
  END IF;
  SELECT k.request_hash, k.response_status, k.response_body INTO found_row
  FROM idempotency_keys k WHERE k.scope = p_scope AND k.key = p_key AND k.expires_at > now();
  IF FOUND THEN
    PERFORM set_config('payments_edge.idempotency', 'done', true);
    RETURN QUERY SELECT CASE WHEN found_row.request_hash = p_hash THEN 'replay' ELSE 'mismatch' END,
      found_row.response_status, found_row.response_body;
    RETURN;
  END IF;
  PERFORM set_config('payments_edge.idempotency', 'open', true);
  RETURN QUERY SELECT 'new'::text, NULL::integer, NULL::jsonb;
END $$;
--> statement-breakpoint
-- The only code that changes a balance. ONE conditional UPDATE: under Read Committed Postgres re-checks
-- its WHERE clause on the newest row version after waiting for a concurrent writer, so concurrent
-- debits can neither lose an update nor overdraw. Tenant, key revocation, suspension, overdraft and the
-- currency's precision are all in that WHERE. On a refusal a second look (fresh snapshot) names the
-- reason. Returns the entry as JSON, {"failure": reason, ...} on a refusal, or NULL when the batch's
-- idempotency claim said the effect must not run.
CREATE OR REPLACE FUNCTION ledger_post(
  p_account_id uuid,
  p_workspace_id uuid,            -- tenant guard; NULL only for the portal admin
  p_amount numeric,
  p_source text,
  p_type text,
  p_description text,
  p_occurred_at timestamptz,      -- NULL = now()
  p_external_ref text,
  p_metadata jsonb,
  p_enforce_overdraft boolean,
  p_api_key_id uuid,              -- re-checked unrevoked when given
  p_require_not_suspended boolean,
  p_decimals integer,             -- the amount's decimal places, checked against the currency's
  p_currency_decimals jsonb       -- {currency: minor units, "*": default} (src/lib/money.ts); NULL = no check
) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  acct record;
  entry record;
  current_status text;
  current_currency text;
BEGIN
  IF NOT idempotency_open() THEN
    RETURN NULL;
  END IF;
  UPDATE accounts SET balance = balance + p_amount, updated_at = now()
  WHERE id = p_account_id
    AND (p_workspace_id IS NULL OR workspace_id = p_workspace_id)
    AND (p_api_key_id IS NULL OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = p_api_key_id AND k.revoked_at IS NULL))
    AND (NOT p_require_not_suspended OR status <> 'suspended')
    AND (p_currency_decimals IS NULL
         OR coalesce(p_currency_decimals ->> currency, p_currency_decimals ->> '*')::int >= p_decimals)
    AND (NOT p_enforce_overdraft OR p_amount >= 0 OR balance + p_amount >= -overdraft_limit)
  RETURNING id, balance, currency INTO acct;
  IF FOUND THEN
    INSERT INTO ledger_entries
      (account_id, amount, currency, source, type, description, balance_after, occurred_at, external_ref, metadata)
    VALUES (acct.id, p_amount, acct.currency, p_source, p_type, p_description, acct.balance,
            coalesce(p_occurred_at, now()), p_external_ref, p_metadata)
    RETURNING id, amount, balance_after, currency, occurred_at, source, type, description INTO entry;
    RETURN jsonb_build_object(
      'id', entry.id,
      'amount', entry.amount::text,
      'balance_after', entry.balance_after::text,
      'currency', entry.currency,
      'occurred_at', to_char(entry.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
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
  IF p_currency_decimals IS NOT NULL
     AND coalesce(p_currency_decimals ->> current_currency, p_currency_decimals ->> '*')::int < p_decimals THEN
    RETURN jsonb_build_object('failure', 'currency_precision', 'currency', current_currency);
  END IF;
  RETURN jsonb_build_object('failure', 'insufficient_funds');
END $$;
--> statement-breakpoint
-- A refusal that must undo the whole statement or batch (a webhook event whose claim must not stay
-- behind when the event could not be applied). SQLSTATE PE001; the refusal travels as the DETAIL.
CREATE OR REPLACE FUNCTION write_refused(p_refusal jsonb) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'PE001', MESSAGE = 'write refused', DETAIL = p_refusal::text;
END $$;
