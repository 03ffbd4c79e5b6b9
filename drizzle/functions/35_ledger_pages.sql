-- Where a deep newest-first page of an account's entries starts (spec 002's offset pages): the UTC day
-- of its first row, and how many newer rows of that day to skip. It walks the account's per-day counts
-- (ledger_day_counts) from the nearer end and stops at the day, so a page near either end reads a few
-- count rows and a page in the middle at most half of them; the caller skips within one day only.
CREATE OR REPLACE FUNCTION ledger_page_start(p_account uuid, p_offset bigint, p_total bigint,
  OUT day date, OUT skip bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record;
  seen bigint := 0;
  target bigint;
BEGIN
  IF p_total IS NULL OR p_offset < 0 OR p_offset >= p_total THEN
    RETURN;
  END IF;
  IF 2 * p_offset < p_total THEN
    FOR r IN SELECT c.day, c.n FROM ledger_day_counts c WHERE c.account_id = p_account ORDER BY c.day DESC LOOP
      IF seen + r.n > p_offset THEN
        day := r.day;
        skip := p_offset - seen;
        RETURN;
      END IF;
      seen := seen + r.n;
    END LOOP;
  ELSE
    -- The page's first row is the target-th oldest (0-based); within its day, newer rows come first.
    target := p_total - 1 - p_offset;
    FOR r IN SELECT c.day, c.n FROM ledger_day_counts c WHERE c.account_id = p_account ORDER BY c.day ASC LOOP
      IF seen + r.n > target THEN
        day := r.day;
        skip := seen + r.n - 1 - target;
        RETURN;
      END IF;
      seen := seen + r.n;
    END LOOP;
  END IF;
END $$;

-- The balance an account really had at an instant, by posting time: the balance_after of its last posting
-- before p_at (0 before the first). Posting time never decreases along the posting sequence, so a binary
-- search over `seq` on the account's unique (account_id, seq) index finds it in ~log2(n) probes: the
-- balance chart needs no index of its own on the hot table.
CREATE OR REPLACE FUNCTION ledger_balance_at(p_account uuid, p_at timestamptz, p_last_seq bigint)
RETURNS numeric LANGUAGE plpgsql STABLE AS $$
DECLARE
  lo bigint := 1;
  hi bigint := p_last_seq;
  mid bigint;
  posted timestamptz;
  best bigint := 0;
BEGIN
  WHILE lo <= hi LOOP
    mid := (lo + hi) / 2;
    SELECT e.created_at INTO posted FROM ledger_entries e WHERE e.account_id = p_account AND e.seq = mid;
    IF posted < p_at THEN
      best := mid;
      lo := mid + 1;
    ELSE
      hi := mid - 1;
    END IF;
  END LOOP;
  IF best = 0 THEN
    RETURN 0;
  END IF;
  RETURN (SELECT e.balance_after FROM ledger_entries e WHERE e.account_id = p_account AND e.seq = best);
END $$;
