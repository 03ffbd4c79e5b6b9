-- What the database refuses to commit, whoever writes: legs are append-only, and every ledger
-- transaction has at least two legs summing to zero per currency.

CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'P0001';
END $$;

DROP TRIGGER IF EXISTS ledger_entries_no_update ON ledger_entries;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
DROP TRIGGER IF EXISTS system_legs_no_update ON system_legs;
CREATE TRIGGER system_legs_no_update BEFORE UPDATE OR DELETE ON system_legs
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Deferred to COMMIT, per inserted leg: its transaction's legs (customer and system) number at least two
-- and sum to zero in every currency. A later leg added to an old transaction is checked the same way, so
-- no writer can unbalance history either. Consecutive legs of one transaction are checked once (the
-- last transaction checked is remembered for the rest of the database transaction; legs cannot be
-- added between the checks, which all run at commit).
CREATE OR REPLACE FUNCTION ledger_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  legs integer;
  off_currency text;
  off_total numeric;
BEGIN
  IF current_setting('payments_edge.balanced_tx', true) = NEW.transaction_id::text THEN
    RETURN NULL;
  END IF;
  SELECT sum(n)::int, min(currency) FILTER (WHERE total <> 0), min(total) FILTER (WHERE total <> 0)
  INTO legs, off_currency, off_total FROM (
    SELECT currency, count(*) AS n, sum(amount) AS total FROM (
      SELECT currency, amount FROM ledger_entries WHERE transaction_id = NEW.transaction_id
      UNION ALL SELECT currency, amount FROM system_legs WHERE transaction_id = NEW.transaction_id) l
    GROUP BY currency) g;
  IF legs < 2 OR off_currency IS NOT NULL THEN
    RAISE EXCEPTION 'ledger transaction % is unbalanced', NEW.transaction_id USING ERRCODE = 'PE002',
      DETAIL = format('%s leg(s); %s', legs, coalesce(off_currency || ' sums to ' || off_total, 'balanced'));
  END IF;
  PERFORM set_config('payments_edge.balanced_tx', NEW.transaction_id::text, true);
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS ledger_entries_balanced ON ledger_entries;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced();
DROP TRIGGER IF EXISTS system_legs_balanced ON system_legs;
CREATE CONSTRAINT TRIGGER system_legs_balanced AFTER INSERT ON system_legs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced();
