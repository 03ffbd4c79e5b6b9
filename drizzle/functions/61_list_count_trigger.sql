-- The one trigger function behind every list total, and the row query it shares with the backfill and
-- the counter_drift view. A counter is declared by its trigger's arguments (62_list_count_triggers.sql):
--   TG_ARGV[0] the counter's name, TG_ARGV[1] the owner column (a uuid), TG_ARGV[2] a timestamptz column
--   whose UTC day the counter is kept by ('' for none), TG_ARGV[3] which rows count (an SQL condition),
--   TG_ARGV[4..] the dimension columns, stored by name in list_counts.dims.

-- The counted rows of p_source as (owner_id, dims, day): the one definition of what a counter counts.
CREATE OR REPLACE FUNCTION list_count_rows(p_source text, p_owner text, p_day text, p_where text, p_dims text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('SELECT %I::uuid AS owner_id, jsonb_build_object(%s) AS dims, %s AS day FROM %s WHERE %s',
    p_owner,
    coalesce((SELECT string_agg(format('%L, %I::text', d, d), ', ' ORDER BY i) FROM unnest(p_dims) WITH ORDINALITY u (d, i)), ''),
    CASE WHEN p_day = '' THEN 'NULL::date' ELSE format('(%I AT TIME ZONE ''UTC'')::date', p_day) END,
    p_source, p_where)
$$;

-- Statement-level: the statement's net change per counter row key, from the transition tables (an UPDATE
-- that moves no row between keys, such as a details-only update, changes nothing and locks nothing).
-- One function serves the INSERT, UPDATE, DELETE and TRUNCATE triggers of every counter; each branch
-- reads only the transition tables its event has. TRUNCATE fires no row-set trigger: it empties the counter.
CREATE OR REPLACE FUNCTION list_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  dims text[] := TG_ARGV[4:TG_NARGS - 1];
  moved text;
  c record;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM list_counts WHERE counter = TG_ARGV[0];
    RETURN NULL;
  END IF;
  moved := concat_ws(' UNION ALL ',
    CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN
      format('SELECT *, 1 AS d FROM (%s) n', list_count_rows('new_rows', TG_ARGV[1], TG_ARGV[2], TG_ARGV[3], dims)) END,
    CASE WHEN TG_OP IN ('DELETE', 'UPDATE') THEN
      format('SELECT *, -1 AS d FROM (%s) o', list_count_rows('old_rows', TG_ARGV[1], TG_ARGV[2], TG_ARGV[3], dims)) END);
  FOR c IN EXECUTE format('SELECT owner_id, dims, day, sum(d)::bigint AS d FROM (%s) moved
      GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3', moved)
  LOOP
    PERFORM count_add(TG_ARGV[0], c.owner_id, c.dims, c.day, c.d);
  END LOOP;
  RETURN NULL;
END $$;

-- One counter against a count(*) of what it counts: a row per owner, dimensions and day that differ.
CREATE OR REPLACE FUNCTION list_count_drift(p_counter text, p_table text, p_owner text, p_day text, p_where text,
  p_dims text[])
RETURNS TABLE (counter text, owner_id uuid, dims text, counted bigint, actual bigint) LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY EXECUTE format('SELECT $1, owner_id, concat_ws('' '', day, dims::text), sum(counted)::bigint,
      sum(actual)::bigint
    FROM (SELECT owner_id, dims, day, n AS counted, 0 AS actual FROM list_counts WHERE counter = $1
          UNION ALL SELECT owner_id, dims, day, 0, 1 FROM (%s) r) both_sides
    GROUP BY owner_id, dims, day HAVING sum(counted) <> sum(actual)',
    list_count_rows(quote_ident(p_table), p_owner, p_day, p_where, p_dims)) USING p_counter;
END $$;

-- Every counter as its triggers declare it (pg_trigger.tgargs, NUL-separated): the backfill and the
-- counter_drift view read the declarations, so a counter attached to a table is checked with no more code.
CREATE OR REPLACE FUNCTION list_count_declared()
RETURNS TABLE (counter text, tbl text, owner_col text, day_col text, counts_where text, dims text[])
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT ON (a[1]) a[1], t.tgrelid::regclass::text, a[2], a[3], a[4], a[5:t.tgnargs]
  FROM pg_trigger t,
    LATERAL (SELECT string_to_array(encode(t.tgargs, 'escape'), '\000') AS a) args
  WHERE t.tgfoid = 'list_count'::regproc AND t.tgnargs >= 4
  ORDER BY a[1]
$$;
