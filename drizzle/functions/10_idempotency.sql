-- Idempotency-Key claims (issue 11). A write with a key is one non-interactive batch of two statements:
--   1. SELECT * FROM idempotency_claim(scope, key, hash)
--   2. the effect, whose postings run only when the claim opened the key (idempotency_open()), and which
--      stores its own outcome in idempotency_keys in the same statement.
-- Under Read Committed every statement inside a VOLATILE PL/pgSQL function takes a fresh snapshot, so
-- "take the key's advisory lock, then look the key up" sees every answer committed before the lock was
-- granted: a retry can never miss the first attempt's stored answer. The claim's verdict is kept for the
-- rest of the transaction in a transaction-local setting: when the key was busy, replayed or mismatched,
-- every posting in the batch is a no-op, so nothing is posted twice.
CREATE OR REPLACE FUNCTION idempotency_open() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('payments_edge.idempotency', true), '') IN ('', 'open')
$$;

CREATE OR REPLACE FUNCTION idempotency_claim(p_scope text, p_key text, p_hash text)
RETURNS TABLE (state text, response_status integer, response_body jsonb)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  found_row record;
BEGIN
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

-- A refusal that must undo the whole statement or batch (a webhook event whose claim must not stay
-- behind when the event could not be applied). SQLSTATE PE001; the refusal travels as the DETAIL.
CREATE OR REPLACE FUNCTION write_refused(p_refusal jsonb) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'PE001', MESSAGE = 'write refused', DETAIL = p_refusal::text;
END $$;
