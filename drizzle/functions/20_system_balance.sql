-- A system account's balance (clearing:<upstream>, revenue:usage…) lives in slot rows. A writer adds its
-- delta to the rows of that account that no other transaction holds (FOR UPDATE SKIP LOCKED), folding
-- them into one; when every row is held by a concurrent writer it adds a new row. So no posting ever
-- waits on a system account, and a system account never takes part in a deadlock: every deposit of one
-- upstream can run at once. Readers sum the rows.
CREATE OR REPLACE FUNCTION system_balance_add(p_code text, p_currency text, p_delta numeric)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  total numeric;
BEGIN
  SELECT array_agg(id ORDER BY id), sum(balance) INTO ids, total FROM (
    SELECT id, balance FROM system_balances WHERE account_code = p_code AND currency = p_currency
    FOR UPDATE SKIP LOCKED) free;
  IF ids IS NULL THEN
    INSERT INTO system_balances (account_code, currency, balance) VALUES (p_code, p_currency, p_delta);
  ELSE
    UPDATE system_balances SET balance = total + p_delta WHERE id = ids[1];
    IF cardinality(ids) > 1 THEN DELETE FROM system_balances WHERE id = ANY (ids[2:]); END IF;
  END IF;
END $$;
