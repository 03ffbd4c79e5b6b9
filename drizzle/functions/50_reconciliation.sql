-- Reconciliation with the upstreams (issue 20): resolving an item and settling a reconciliation. Each is
-- one call inside one statement; system-only transactions take their id from ledger_transaction_id_seq,
-- insert their system_legs and add each leg through system_balance_add, so the integrity trigger
-- (40_ledger_integrity.sql) checks them at commit like any posting. Each is idempotent: a resolved item
-- or a settled line answers as it is.

-- A system-only leg: the row and its balance (amount zero legs are skipped: the table refuses them).
CREATE OR REPLACE FUNCTION reconciliation_system_leg(p_tx bigint, p_code text, p_currency text, p_amount numeric)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_amount = 0 THEN RETURN; END IF;
  INSERT INTO system_legs (transaction_id, account_code, currency, amount, effective_at)
  VALUES (p_tx, p_code, p_currency, p_amount, now());
  PERFORM system_balance_add(p_code, p_currency, p_amount);
END $$;

-- The item as the API shows it.
CREATE OR REPLACE FUNCTION reconciliation_item_json(i reconciliation_items) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', i.id::text, 'bucket', i.bucket, 'key', i.key, 'line', i.line_no,
    'report_amount', i.report_amount::text, 'fee', i.fee::text, 'ledger_amount', i.ledger_amount::text,
    'account_id', i.account_id,
    'resolution', CASE WHEN i.resolution IS NULL THEN NULL ELSE jsonb_build_object(
      'action', i.resolution, 'note', i.resolution_note, 'actor', i.resolved_by,
      'resolved_at', to_char(i.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'transaction_id', i.resolution_transaction_id) END,
    'settled_transaction_id', i.settled_transaction_id)
$$;

-- Resolves one item: adjust (a balanced correction between the customer account and the upstream's
-- clearing account, through ledger_post), write_off (the difference ledger − report from clearing to
-- writeoff:<upstream>) or timing (a mark only). An item already resolved answers as it is, whatever the
-- action asked. Refusals: not_found, no_account (adjust with no customer account to name),
-- nothing_to_adjust (report and ledger agree), already_settled.
CREATE OR REPLACE FUNCTION reconciliation_resolve(
  p_reconciliation_id uuid, p_item_id bigint, p_action text, p_note text, p_actor text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  r reconciliations;
  i reconciliation_items;
  delta numeric;
  tx bigint;
  posted jsonb;
BEGIN
  SELECT * INTO r FROM reconciliations WHERE id = p_reconciliation_id AND status <> 'importing';
  IF NOT FOUND THEN RETURN '{"failure":"not_found"}'::jsonb; END IF;
  SELECT * INTO i FROM reconciliation_items WHERE id = p_item_id AND reconciliation_id = p_reconciliation_id FOR UPDATE;
  IF NOT FOUND THEN RETURN '{"failure":"not_found"}'::jsonb; END IF;
  IF i.resolution IS NOT NULL THEN RETURN reconciliation_item_json(i); END IF;
  IF i.settled_transaction_id IS NOT NULL THEN RETURN '{"failure":"already_settled"}'::jsonb; END IF;
  -- What the ledger holds beyond what the upstream reported (a duplicate line stands for no credit).
  delta := CASE WHEN i.bucket = 'duplicate' THEN 0 ELSE coalesce(i.ledger_amount, 0) END - coalesce(i.report_amount, 0);

  IF p_action = 'adjust' THEN
    IF i.account_id IS NULL OR i.bucket = 'duplicate' THEN RETURN '{"failure":"no_account"}'::jsonb; END IF;
    IF delta = 0 THEN RETURN '{"failure":"nothing_to_adjust"}'::jsonb; END IF;
    posted := ledger_post(
      p_account_id => i.account_id, p_amount => -delta, p_counter => 'clearing:' || r.upstream,
      p_source => 'portal', p_type => 'adjustment',
      p_description => format('Reconciliation %s: %s %s', r.id, i.bucket, left(i.key, 200)),
      p_external_ref => 'reconciliation_item:' || i.id,
      p_metadata => jsonb_build_object('actor', p_actor, 'reconciliation_id', r.id, 'item_id', i.id::text,
        'note', p_note),
      p_enforce_overdraft => false);
    IF posted ? 'failure' THEN RETURN posted; END IF;
    tx := (posted->>'transaction_id')::bigint;
  ELSIF p_action = 'write_off' THEN
    IF delta <> 0 THEN
      tx := nextval('ledger_transaction_id_seq');
      PERFORM reconciliation_system_leg(tx, 'clearing:' || r.upstream, r.currency, delta);
      PERFORM reconciliation_system_leg(tx, 'writeoff:' || r.upstream, r.currency, -delta);
    END IF;
  END IF;

  UPDATE reconciliation_items SET resolution = p_action, resolution_note = p_note, resolved_by = p_actor,
    resolved_at = now(), resolution_transaction_id = tx
  WHERE id = i.id RETURNING * INTO i;
  RETURN reconciliation_item_json(i);
END $$;

-- Settles a reconciliation: one balanced system-only transaction moving the reported gross of every
-- matched line, and of every item resolved by adjust or write_off, out of clearing:<upstream> (+gross)
-- into settlement:<upstream> (−net) and fees:<upstream> (−fee). Refused (unresolved) while unresolved
-- items remain, unless p_partial, which settles the matched lines only. Lines already settled are never
-- settled again, so a second settle changes nothing.
CREATE OR REPLACE FUNCTION reconciliation_settle(p_reconciliation_id uuid, p_partial boolean, p_actor text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  r reconciliations;
  unresolved integer;
  gross numeric;
  fees numeric;
  tx bigint;
BEGIN
  SELECT * INTO r FROM reconciliations WHERE id = p_reconciliation_id AND status <> 'importing' FOR UPDATE;
  IF NOT FOUND THEN RETURN '{"failure":"not_found"}'::jsonb; END IF;
  SELECT count(*) INTO unresolved FROM reconciliation_items
  WHERE reconciliation_id = r.id AND bucket <> 'matched' AND resolution IS NULL;
  IF unresolved > 0 AND NOT p_partial THEN
    RETURN jsonb_build_object('failure', 'unresolved', 'count', unresolved);
  END IF;

  CREATE TEMP TABLE IF NOT EXISTS reconciliation_settling (id bigint, gross numeric, fee numeric) ON COMMIT DROP;
  TRUNCATE reconciliation_settling;
  INSERT INTO reconciliation_settling
  SELECT id, coalesce(report_amount, 0), coalesce(fee, 0) FROM reconciliation_items
  WHERE reconciliation_id = r.id AND settled_transaction_id IS NULL
    AND (bucket = 'matched' OR (NOT p_partial AND resolution IN ('adjust', 'write_off')));
  SELECT coalesce(sum(gross), 0), coalesce(sum(fee), 0) INTO gross, fees FROM reconciliation_settling;

  IF EXISTS (SELECT 1 FROM reconciliation_settling) THEN
    IF gross <> 0 THEN
      tx := nextval('ledger_transaction_id_seq');
      PERFORM reconciliation_system_leg(tx, 'clearing:' || r.upstream, r.currency, gross);
      PERFORM reconciliation_system_leg(tx, 'settlement:' || r.upstream, r.currency, -(gross - fees));
      PERFORM reconciliation_system_leg(tx, 'fees:' || r.upstream, r.currency, -fees);
    END IF;
    UPDATE reconciliation_items i SET settled_transaction_id = coalesce(tx, 0)
    FROM reconciliation_settling s WHERE i.id = s.id;
    INSERT INTO reconciliation_settled_credits (transaction_id, item_id)
    SELECT DISTINCT ON (c) c, i.id FROM reconciliation_items i JOIN reconciliation_settling s ON s.id = i.id,
      unnest(i.credit_transaction_ids) c
    ON CONFLICT DO NOTHING;
  END IF;

  UPDATE reconciliations SET status = CASE WHEN NOT EXISTS (
      SELECT 1 FROM reconciliation_items WHERE reconciliation_id = r.id AND settled_transaction_id IS NULL
        AND (bucket = 'matched' OR resolution IS DISTINCT FROM 'timing')) THEN 'settled' ELSE status END,
    settled_at = CASE WHEN tx IS NOT NULL OR EXISTS (SELECT 1 FROM reconciliation_settling) THEN now() ELSE settled_at END
  WHERE id = r.id;
  RETURN jsonb_build_object('reconciliation_id', r.id, 'transaction_id', tx,
    'settled_items', (SELECT count(*) FROM reconciliation_settling), 'gross', gross::text,
    'net', (gross - fees)::text, 'fees', fees::text);
END $$;
