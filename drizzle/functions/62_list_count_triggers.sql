-- The list totals' counters, attached to the tables they count (list_count_define in
-- 61_list_count_trigger.sql): spec 001 per API key, status and type, and the same per UTC day of
-- created_at for date ranges; spec 003 per workspace, payments not deleted; spec 004 per workspace, status
-- and currency (with its network and token).
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT * FROM (VALUES
    ('mobile_money_payments', 'mobile_money_payments', 'api_key_id', '', 'true', ARRAY['status', 'transaction_type']),
    ('mobile_money_payments_by_day', 'mobile_money_payments', 'api_key_id', 'created_at', 'true',
      ARRAY['status', 'transaction_type']),
    ('sms_payments', 'sms_payments', 'workspace_id', '', 'deleted_at IS NULL', ARRAY[]::text[]),
    ('crypto_payments', 'crypto_payments', 'workspace_id', '', 'true', ARRAY['status', 'currency', 'blockchain', 'token'])
  ) v (counter, tbl, owner_col, day_col, counts_where, dims)
  LOOP
    PERFORM list_count_define(c.counter, c.tbl, c.owner_col, c.day_col, c.counts_where, c.dims);
    -- A counter with no rows yet is counted from its table, under the lock CREATE TRIGGER holds until
    -- this file commits, so no row slips between the count and the trigger. (Its rows never all go away
    -- while the table has rows: a counter row stays at n = 0 and TRUNCATE empties both.)
    IF NOT EXISTS (SELECT 1 FROM list_counts WHERE counter = c.counter) THEN
      EXECUTE format('INSERT INTO list_counts (counter, owner_id, dims, day, n)
        SELECT %L, owner_id, dims, day, count(*) FROM (%s) r GROUP BY 2, 3, 4',
        c.counter, list_count_rows(quote_ident(c.tbl), c.owner_col, c.day_col, c.counts_where, c.dims));
    END IF;
  END LOOP;
END $$;

-- The single trigger function the counters used before list_count_define (no trigger calls it now).
DROP FUNCTION IF EXISTS list_count();
