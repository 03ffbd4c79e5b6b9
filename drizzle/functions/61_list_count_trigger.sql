-- The one definition behind every list total: the trigger function each counter gets, and the row query it
-- shares with the backfill and the counter_drift view. A counter is declared (62_list_count_triggers.sql)
-- by its name, the owner column (a uuid), a timestamptz column whose UTC day the counter is kept by ('' for
-- none), which rows count (an SQL condition) and the dimension columns, stored by name in list_counts.dims.

-- The counted rows of p_source as (owner_id, dims, day): the one definition of what a counter counts.
CREATE OR REPLACE FUNCTION list_count_rows(p_source text, p_owner text, p_day text, p_where text, p_dims text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('SELECT %I::uuid AS owner_id, jsonb_build_object(%s) AS dims, %s AS day FROM %s WHERE %s',
    p_owner,
    coalesce((SELECT string_agg(format('%L, %I::text', d, d), ', ' ORDER BY i) FROM unnest(p_dims) WITH ORDINALITY u (d, i)), ''),
    CASE WHEN p_day = '' THEN 'NULL::date' ELSE format('(%I AT TIME ZONE ''UTC'')::date', p_day) END,
    p_source, p_where)
$$;

-- A counter's statement-level trigger function, written by list_count_define from the counter's declaration
-- (one definition, one function per counter): its queries are static, so PL/pgSQL plans them once per
-- session. A single function reading TG_ARGV had to build them with EXECUTE, planned anew on every
-- statement; on spec 001's create payment (two counters) that cost PostgreSQL about 1 ms per request.
-- The statement's net change per counter row key comes from the transition tables (an UPDATE that moves
-- no row between keys, such as a details-only update, changes nothing and locks nothing); each branch
-- reads only the transition tables its event has. TRUNCATE fires no row-set trigger: it empties the counter.
--
-- The triggers keep the declaration as their arguments (TG_ARGV, unread by the function): the backfill and
-- the counter_drift view read it back from pg_trigger (list_count_declared).
CREATE OR REPLACE FUNCTION list_count_define(p_counter text, p_table text, p_owner text, p_day text,
  p_where text, p_dims text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  fn text := 'list_count__' || p_counter;
  added text := format('SELECT *, 1 AS d FROM (%s) n', list_count_rows('new_rows', p_owner, p_day, p_where, p_dims));
  removed text := format('SELECT *, -1 AS d FROM (%s) o', list_count_rows('old_rows', p_owner, p_day, p_where, p_dims));
  apply text := format('LOOP PERFORM count_add(%L, c.owner_id, c.dims, c.day, c.d); END LOOP;', p_counter);
  net text := 'FOR c IN SELECT owner_id, dims, day, sum(d)::bigint AS d FROM (%s) moved
      GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3 ';
  op text;
BEGIN
  EXECUTE format('CREATE OR REPLACE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  c record;
BEGIN
  IF TG_OP = ''TRUNCATE'' THEN
    DELETE FROM list_counts WHERE counter = %L;
  ELSIF TG_OP = ''INSERT'' THEN
    %s
  ELSIF TG_OP = ''DELETE'' THEN
    %s
  ELSE
    %s
  END IF;
  RETURN NULL;
END $fn$', fn, p_counter,
    format(net, added) || apply, format(net, removed) || apply, format(net, added || ' UNION ALL ' || removed) || apply);
  FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER %s ON %I %s FOR EACH STATEMENT EXECUTE FUNCTION %I(%s)',
      p_counter || '_list_count_' || op, upper(op), p_table,
      CASE op WHEN 'insert' THEN 'REFERENCING NEW TABLE AS new_rows'
        WHEN 'update' THEN 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
        WHEN 'delete' THEN 'REFERENCING OLD TABLE AS old_rows' ELSE '' END,
      fn,
      (SELECT string_agg(quote_literal(a), ', ') FROM unnest(ARRAY[p_counter, p_owner, p_day, p_where] || p_dims) a));
  END LOOP;
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
  WHERE t.tgfoid IN (SELECT oid FROM pg_proc WHERE proname LIKE 'list\_count\_\_%') AND t.tgnargs >= 4
  ORDER BY a[1]
$$;
