-- Every counter against a count(*) of what it counts, 002's per-account entry_count included: one row per
-- difference, so `SELECT count(*) FROM counter_drift` must be 0. For tests and operations (it reads the
-- counted tables whole), never for a request. The list totals' part follows their trigger declarations.
DROP VIEW IF EXISTS counter_drift;
CREATE VIEW counter_drift AS
SELECT d.counter, d.owner_id, d.dims, d.counted, d.actual
FROM list_count_declared() c,
  LATERAL list_count_drift(c.counter, c.tbl, c.owner_col, c.day_col, c.counts_where, c.dims) d
UNION ALL
SELECT 'ledger_entries', a.id, '', a.entry_count, coalesce(r.n, 0)
FROM accounts a LEFT JOIN (SELECT account_id, count(*) AS n FROM ledger_entries GROUP BY 1) r ON r.account_id = a.id
WHERE a.entry_count <> coalesce(r.n, 0);
