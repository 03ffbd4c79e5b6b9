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
CREATE OR REPLACE FUNCTION reconciliation_item_json(i reconciliation_items, p_currency text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', i.id::text, 'bucket', i.bucket, 'key', i.key, 'line', i.line_no, 'currency', p_currency,
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
  IF i.resolution IS NOT NULL THEN RETURN reconciliation_item_json(i, r.currency); END IF;
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
  RETURN reconciliation_item_json(i, r.currency);
END $$;

-- Settles a reconciliation: one balanced system-only transaction moving the reported gross of every
-- matched line, and of every item resolved by adjust or write_off, out of clearing:<upstream> (+gross)
-- into settlement:<upstream> (−net) and fees:<upstream> (−fee). Refused (unresolved) while unresolved
-- items remain, unless p_partial, which settles the matched lines only. A matched line resolved as
-- `timing` waits for a later report. Lines already settled are never settled again, so a second settle
-- changes nothing. A credit settles once across all reconciliations: two open reports may both match
-- it, and the second settle is refused (settled_elsewhere, nothing posted) naming its items, which the
-- operator resolves as `timing`. Claiming the credits first, under their primary key, makes that hold
-- for two settles racing too: the later one waits for the first's commit, then fails its claim.
CREATE OR REPLACE FUNCTION reconciliation_settle(p_reconciliation_id uuid, p_partial boolean, p_actor text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  r reconciliations;
  unresolved integer;
  v_gross numeric;
  v_fees numeric;
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
    AND ((bucket = 'matched' AND resolution IS DISTINCT FROM 'timing')
         OR (NOT p_partial AND resolution IN ('adjust', 'write_off')));
  SELECT coalesce(sum(s.gross), 0), coalesce(sum(s.fee), 0) INTO v_gross, v_fees FROM reconciliation_settling s;

  BEGIN
    INSERT INTO reconciliation_settled_credits (transaction_id, item_id)
    SELECT DISTINCT ON (c) c, i.id FROM reconciliation_items i JOIN reconciliation_settling s ON s.id = i.id,
      unnest(i.credit_transaction_ids) c;
  EXCEPTION WHEN unique_violation THEN
    RETURN jsonb_build_object('failure', 'settled_elsewhere', 'items', (
      SELECT jsonb_agg(jsonb_build_object('id', i.id::text, 'key', i.key,
          'reconciliation_id', (SELECT o.reconciliation_id FROM reconciliation_items o WHERE o.id = sc.item_id))
        ORDER BY i.id)
      FROM reconciliation_items i JOIN reconciliation_settling s ON s.id = i.id
      JOIN LATERAL (SELECT c.item_id FROM reconciliation_settled_credits c
                    WHERE c.transaction_id = ANY (i.credit_transaction_ids) LIMIT 1) sc ON true));
  END;

  IF EXISTS (SELECT 1 FROM reconciliation_settling) THEN
    IF v_gross <> 0 THEN
      tx := nextval('ledger_transaction_id_seq');
      PERFORM reconciliation_system_leg(tx, 'clearing:' || r.upstream, r.currency, v_gross);
      PERFORM reconciliation_system_leg(tx, 'settlement:' || r.upstream, r.currency, -(v_gross - v_fees));
      PERFORM reconciliation_system_leg(tx, 'fees:' || r.upstream, r.currency, -v_fees);
    END IF;
    UPDATE reconciliation_items i SET settled_transaction_id = coalesce(tx, 0)
    FROM reconciliation_settling s WHERE i.id = s.id;
  END IF;

  UPDATE reconciliations SET status = CASE WHEN NOT EXISTS (
      SELECT 1 FROM reconciliation_items WHERE reconciliation_id = r.id AND settled_transaction_id IS NULL
        AND resolution IS DISTINCT FROM 'timing') THEN 'settled' ELSE status END,
    settled_at = CASE WHEN tx IS NOT NULL OR EXISTS (SELECT 1 FROM reconciliation_settling) THEN now() ELSE settled_at END
  WHERE id = r.id;
  RETURN jsonb_build_object('reconciliation_id', r.id, 'transaction_id', tx,
    'settled_items', (SELECT count(*) FROM reconciliation_settling), 'gross', v_gross::text,
    'net', (v_gross - v_fees)::text, 'fees', v_fees::text);
END $$;

-- The import's final statement: buckets the staged lines of an `importing` reconciliation against the
-- ledger and opens it, or, when the same file (upstream, currency, SHA-256) was imported before, drops
-- the new one and names the first. Lines match the upstream's unsettled credits of any period (late
-- reports are normal); the period [from, to) on the clearing legs' posting time bounds only which credits
-- can be missing_in_report, and opening legs (before double-entry) never are.
CREATE OR REPLACE FUNCTION reconciliation_open(p_id uuid, p_sha256 text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  r reconciliations;
  existing uuid;
  prefix text;
  v_summary jsonb;
BEGIN
  SELECT * INTO r FROM reconciliations WHERE id = p_id AND status = 'importing' FOR UPDATE;
  IF NOT FOUND THEN RETURN '{"failure":"not_found"}'::jsonb; END IF;
  SELECT id INTO existing FROM reconciliations
  WHERE upstream = r.upstream AND currency = r.currency AND file_sha256 = p_sha256 AND status <> 'importing';
  IF FOUND THEN
    DELETE FROM reconciliations WHERE id = p_id;
    RETURN jsonb_build_object('id', existing, 'existing', true);
  END IF;
  -- sms_gateway credits carry 'sms_gateway:' || webhook id; the others the key itself.
  prefix := CASE r.upstream WHEN 'sms_gateway' THEN 'sms_gateway:' ELSE '' END;

  DROP TABLE IF EXISTS pg_temp.recon_keys, pg_temp.recon_credits, pg_temp.recon_lines;
  CREATE TEMP TABLE recon_keys ON COMMIT DROP AS
  SELECT l.line_no, k.key, min(l.line_no) OVER (PARTITION BY k.key) AS first_line
  FROM reconciliation_lines l, unnest(l.keys) k(key) WHERE l.reconciliation_id = p_id;

  ANALYZE recon_keys;

  -- A line is a duplicate when any of its keys appeared on an earlier line. Joins and aggregates only:
  -- a correlated subquery per line is quadratic over a 100,000-line report.
  CREATE TEMP TABLE recon_lines ON COMMIT DROP AS
  SELECT l.line_no, l.key_field, l.keys, l.amount, l.fee, coalesce(d.duplicate, false) AS duplicate
  FROM reconciliation_lines l
  LEFT JOIN (SELECT k.line_no, bool_or(k.first_line < k.line_no) AS duplicate FROM recon_keys k GROUP BY k.line_no) d
    ON d.line_no = l.line_no
  WHERE l.reconciliation_id = p_id;

  -- The upstream's unsettled credits that the report's (first) lines name, whatever their period.
  CREATE TEMP TABLE recon_credits ON COMMIT DROP AS
  SELECT DISTINCT ON (e.transaction_id) k.line_no, k.key, e.transaction_id, e.account_id, e.amount
  FROM recon_keys k
  JOIN ledger_entries e ON e.external_ref = prefix || k.key AND e.source = r.upstream AND e.type = 'deposit'
    AND e.currency = r.currency
  WHERE k.first_line = k.line_no
    AND EXISTS (SELECT 1 FROM system_legs s WHERE s.transaction_id = e.transaction_id
                AND s.account_code = 'clearing:' || r.upstream)
    AND NOT EXISTS (SELECT 1 FROM reconciliation_settled_credits c WHERE c.transaction_id = e.transaction_id)
  ORDER BY e.transaction_id, k.line_no;
  ANALYZE recon_credits;

  INSERT INTO reconciliation_items (reconciliation_id, bucket, key, line_no, report_amount, fee, ledger_amount,
    account_id, credit_transaction_ids)
  SELECT p_id,
    CASE WHEN l.duplicate THEN 'duplicate'
         WHEN c.found = 0 THEN 'missing_in_ledger'
         WHEN c.found = cardinality(l.keys) AND c.total = l.amount THEN 'matched'
         ELSE 'amount_mismatch' END,
    l.key_field, l.line_no, l.amount, l.fee,
    CASE WHEN l.duplicate OR c.found = 0 THEN NULL ELSE c.total END,
    CASE WHEN l.duplicate THEN NULL
         WHEN c.found > 0 THEN c.account_id
         WHEN r.upstream = 'mobile_money' THEN
           (SELECT m.account_id FROM mobile_money_payments m WHERE m.reference = l.keys[1])
         WHEN r.upstream = 'crypto' AND l.keys[1] ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
           (SELECT p.account_id FROM crypto_payments p WHERE p.id = l.keys[1]::uuid)
    END,
    CASE WHEN l.duplicate THEN '{}'::bigint[] ELSE c.ids END
  FROM recon_lines l
  LEFT JOIN (
    SELECT rc.line_no, count(DISTINCT rc.key)::int AS found, sum(rc.amount) AS total,
      array_agg(rc.transaction_id) AS ids,
      CASE WHEN count(DISTINCT rc.account_id) = 1 THEN min(rc.account_id::text)::uuid END AS account_id
    FROM recon_credits rc GROUP BY rc.line_no) credited ON credited.line_no = l.line_no
  CROSS JOIN LATERAL (SELECT coalesce(credited.found, 0) AS found, coalesce(credited.total, 0) AS total,
      coalesce(credited.ids, '{}') AS ids, credited.account_id) c
  ORDER BY l.line_no;

  -- Credits of the period that no line of the report names.
  INSERT INTO reconciliation_items (reconciliation_id, bucket, key, ledger_amount, account_id, credit_transaction_ids)
  SELECT p_id, 'missing_in_report',
    coalesce(substr(e.external_ref, length(prefix) + 1), 'ledger_transaction:' || e.transaction_id), e.amount, e.account_id,
    ARRAY[e.transaction_id]
  FROM system_legs s
  JOIN ledger_entries e ON e.transaction_id = s.transaction_id AND e.source = r.upstream AND e.type = 'deposit'
  WHERE s.account_code = 'clearing:' || r.upstream AND s.currency = r.currency AND NOT s.opening
    AND s.posted_at >= r.period_from AND s.posted_at < r.period_to
    -- A credit with no external ref (an imported gateway entry) can match no line: it is missing_in_report.
    AND (e.external_ref IS NULL OR e.external_ref LIKE prefix || '%')
    AND NOT EXISTS (SELECT 1 FROM reconciliation_settled_credits c WHERE c.transaction_id = e.transaction_id)
    AND NOT EXISTS (SELECT 1 FROM recon_keys k WHERE prefix || k.key = e.external_ref)
  ORDER BY s.posted_at, e.transaction_id;

  SELECT jsonb_build_object(
    'matched', count(*) FILTER (WHERE bucket = 'matched'),
    'amount_mismatch', count(*) FILTER (WHERE bucket = 'amount_mismatch'),
    'missing_in_ledger', count(*) FILTER (WHERE bucket = 'missing_in_ledger'),
    'missing_in_report', count(*) FILTER (WHERE bucket = 'missing_in_report'),
    'duplicate', count(*) FILTER (WHERE bucket = 'duplicate'))
  INTO v_summary FROM reconciliation_items WHERE reconciliation_id = p_id;

  DELETE FROM reconciliation_lines WHERE reconciliation_id = p_id;
  UPDATE reconciliations SET status = 'open', file_sha256 = p_sha256, summary = v_summary,
    line_count = (SELECT count(*) FROM recon_lines), opened_at = now()
  WHERE id = p_id;
  RETURN jsonb_build_object('id', p_id, 'existing', false);
END $$;
