-- A system account's balance (clearing:<upstream>, revenue:usage…) lives in slot rows. A writer adds its
-- delta to one row of that account that no other transaction holds (FOR UPDATE SKIP LOCKED); when every
-- row is held by a concurrent writer it adds a new row. So no posting ever waits on a system account,
-- and a system account never takes part in a deadlock: every deposit of one upstream can run at once.
-- Readers sum the rows. The rows number at most the peak of concurrent writers to the account. They are
-- not folded back together: folding locked and deleted every free row on each posting, work that grows
-- with the concurrency, where taking one row is one lock and one update.
CREATE OR REPLACE FUNCTION system_balance_add(p_code text, p_currency text, p_delta numeric)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  slot bigint;
BEGIN
  SELECT id INTO slot FROM system_balances WHERE account_code = p_code AND currency = p_currency
  LIMIT 1 FOR UPDATE SKIP LOCKED;
  IF slot IS NULL THEN
    INSERT INTO system_balances (account_code, currency, balance) VALUES (p_code, p_currency, p_delta);
  ELSE
    UPDATE system_balances SET balance = balance + p_delta WHERE id = slot;
  END IF;
END $$;
