-- The one slot counter behind every list total (table list_counts, specs 001, 003, 004).
--
-- A counter may span several rows. A writer adds its delta to the rows of the counter that no other
-- transaction holds (FOR UPDATE SKIP LOCKED), folding them into one; when every row is held by a
-- concurrent writer (a hot tenant), it adds a new row. So a writer never waits for a counter row: writes
-- of one tenant never queue on it, and counters can never take part in a deadlock, whatever else the
-- writing transaction locks and in whichever order. The rows a burst adds are folded back by the next
-- writes once the burst is over. p_day is NULL for a counter without days: two lookups, because `day IS
-- NULL` and `day = p_day` are index conditions of list_counts_owner_idx and `IS NOT DISTINCT FROM` is not.
CREATE OR REPLACE FUNCTION count_add(p_counter text, p_owner uuid, p_dims jsonb, p_day date, p_delta bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  total bigint;
BEGIN
  IF p_day IS NULL THEN
    SELECT array_agg(id ORDER BY id), sum(n) INTO ids, total FROM (
      SELECT id, n FROM list_counts WHERE counter = p_counter AND owner_id = p_owner AND day IS NULL AND dims = p_dims
      FOR UPDATE SKIP LOCKED) free;
  ELSE
    SELECT array_agg(id ORDER BY id), sum(n) INTO ids, total FROM (
      SELECT id, n FROM list_counts WHERE counter = p_counter AND owner_id = p_owner AND day = p_day AND dims = p_dims
      FOR UPDATE SKIP LOCKED) free;
  END IF;
  IF ids IS NULL THEN
    INSERT INTO list_counts (counter, owner_id, dims, day, n) VALUES (p_counter, p_owner, p_dims, p_day, p_delta);
  ELSE
    UPDATE list_counts SET n = total + p_delta WHERE id = ids[1];
    IF cardinality(ids) > 1 THEN DELETE FROM list_counts WHERE id = ANY (ids[2:]); END IF;
  END IF;
END $$;
