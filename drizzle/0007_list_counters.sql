CREATE TABLE "crypto_payment_counts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "crypto_payment_counts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"workspace_id" uuid NOT NULL,
	"status" text NOT NULL,
	"currency" text NOT NULL,
	"blockchain" text NOT NULL,
	"token" text NOT NULL,
	"n" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mobile_money_payment_counts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "mobile_money_payment_counts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"api_key_id" uuid NOT NULL,
	"status" text NOT NULL,
	"transaction_type" text NOT NULL,
	"n" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mobile_money_payment_day_counts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "mobile_money_payment_day_counts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"api_key_id" uuid NOT NULL,
	"day" date NOT NULL,
	"status" text NOT NULL,
	"transaction_type" text NOT NULL,
	"n" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sms_payment_counts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sms_payment_counts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"workspace_id" uuid NOT NULL,
	"n" bigint NOT NULL
);
--> statement-breakpoint
DROP INDEX "sms_payments_workspace_time_idx";--> statement-breakpoint
CREATE INDEX "crypto_counts_workspace_idx" ON "crypto_payment_counts" USING btree ("workspace_id","status","currency");--> statement-breakpoint
CREATE INDEX "mm_counts_key_idx" ON "mobile_money_payment_counts" USING btree ("api_key_id","status","transaction_type");--> statement-breakpoint
CREATE INDEX "mm_day_counts_key_day_idx" ON "mobile_money_payment_day_counts" USING btree ("api_key_id","day");--> statement-breakpoint
CREATE INDEX "mm_day_counts_key_dims_idx" ON "mobile_money_payment_day_counts" USING btree ("api_key_id","status","transaction_type","day");--> statement-breakpoint
CREATE INDEX "sms_counts_workspace_idx" ON "sms_payment_counts" USING btree ("workspace_id");--> statement-breakpoint
CREATE INDEX "sms_payments_visible_time_idx" ON "sms_payments" USING btree ("workspace_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "sms_payments"."deleted_at" IS NULL;--> statement-breakpoint
-- List totals of specs 001, 003 and 004, kept by statement-level triggers on the counted tables: every
-- writer counts, whichever code it runs (a worker still running the code of before this migration during
-- a deploy included), in the same transaction as its rows. Readers sum the counter rows.
--
-- A counter may span several rows. A writer adds its delta to the rows of the counter that no other
-- transaction holds (FOR UPDATE SKIP LOCKED), folding them into one; when every row is held by a
-- concurrent writer (a hot tenant), it adds a new row. So a writer never waits for a counter row: writes
-- of one tenant never queue on it, and counters can never take part in a deadlock, whatever else the
-- writing transaction locks and in whichever order. The rows a burst adds are folded back by the next
-- writes once the burst is over.
CREATE FUNCTION mobile_money_payment_count_add(p_key uuid, p_status text, p_type text, p_day date, p_delta bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  total bigint;
BEGIN
  SELECT array_agg(id ORDER BY id), sum(n) INTO ids, total FROM (
    SELECT id, n FROM mobile_money_payment_counts
    WHERE api_key_id = p_key AND status = p_status AND transaction_type = p_type
    FOR UPDATE SKIP LOCKED) free;
  IF ids IS NULL THEN
    INSERT INTO mobile_money_payment_counts (api_key_id, status, transaction_type, n)
    VALUES (p_key, p_status, p_type, p_delta);
  ELSE
    UPDATE mobile_money_payment_counts SET n = total + p_delta WHERE id = ids[1];
    IF cardinality(ids) > 1 THEN DELETE FROM mobile_money_payment_counts WHERE id = ANY (ids[2:]); END IF;
  END IF;

  SELECT array_agg(id ORDER BY id), sum(n) INTO ids, total FROM (
    SELECT id, n FROM mobile_money_payment_day_counts
    WHERE api_key_id = p_key AND status = p_status AND transaction_type = p_type AND day = p_day
    FOR UPDATE SKIP LOCKED) free;
  IF ids IS NULL THEN
    INSERT INTO mobile_money_payment_day_counts (api_key_id, day, status, transaction_type, n)
    VALUES (p_key, p_day, p_status, p_type, p_delta);
  ELSE
    UPDATE mobile_money_payment_day_counts SET n = total + p_delta WHERE id = ids[1];
    IF cardinality(ids) > 1 THEN DELETE FROM mobile_money_payment_day_counts WHERE id = ANY (ids[2:]); END IF;
  END IF;
END $$;
--> statement-breakpoint
CREATE FUNCTION sms_payment_count_add(p_workspace uuid, p_delta bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  total bigint;
BEGIN
  SELECT array_agg(id ORDER BY id), sum(n) INTO ids, total FROM (
    SELECT id, n FROM sms_payment_counts WHERE workspace_id = p_workspace FOR UPDATE SKIP LOCKED) free;
  IF ids IS NULL THEN
    INSERT INTO sms_payment_counts (workspace_id, n) VALUES (p_workspace, p_delta);
  ELSE
    UPDATE sms_payment_counts SET n = total + p_delta WHERE id = ids[1];
    IF cardinality(ids) > 1 THEN DELETE FROM sms_payment_counts WHERE id = ANY (ids[2:]); END IF;
  END IF;
END $$;
--> statement-breakpoint
CREATE FUNCTION crypto_payment_count_add(p_workspace uuid, p_status text, p_currency text, p_blockchain text,
  p_token text, p_delta bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  total bigint;
BEGIN
  SELECT array_agg(id ORDER BY id), sum(n) INTO ids, total FROM (
    SELECT id, n FROM crypto_payment_counts
    WHERE workspace_id = p_workspace AND status = p_status AND currency = p_currency
      AND blockchain = p_blockchain AND token = p_token
    FOR UPDATE SKIP LOCKED) free;
  IF ids IS NULL THEN
    INSERT INTO crypto_payment_counts (workspace_id, status, currency, blockchain, token, n)
    VALUES (p_workspace, p_status, p_currency, p_blockchain, p_token, p_delta);
  ELSE
    UPDATE crypto_payment_counts SET n = total + p_delta WHERE id = ids[1];
    IF cardinality(ids) > 1 THEN DELETE FROM crypto_payment_counts WHERE id = ANY (ids[2:]); END IF;
  END IF;
END $$;
--> statement-breakpoint
-- The trigger functions: the statement's net change per counter (an UPDATE that moves no row between
-- counters, such as a details-only update, changes nothing and locks nothing). One function serves the
-- INSERT, UPDATE and DELETE triggers of a table; each branch reads only the transition tables its event has.
CREATE FUNCTION mobile_money_payments_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE c record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR c IN SELECT api_key_id, status, transaction_type, (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS d
      FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    LOOP PERFORM mobile_money_payment_count_add(c.api_key_id, c.status, c.transaction_type, c.day, c.d); END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    FOR c IN SELECT api_key_id, status, transaction_type, (created_at AT TIME ZONE 'UTC')::date AS day, -count(*) AS d
      FROM old_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    LOOP PERFORM mobile_money_payment_count_add(c.api_key_id, c.status, c.transaction_type, c.day, c.d); END LOOP;
  ELSE
    FOR c IN SELECT api_key_id, status, transaction_type, day, sum(d)::bigint AS d FROM (
        SELECT api_key_id, status, transaction_type, (created_at AT TIME ZONE 'UTC')::date AS day, 1 AS d FROM new_rows
        UNION ALL
        SELECT api_key_id, status, transaction_type, (created_at AT TIME ZONE 'UTC')::date, -1 FROM old_rows) moved
      GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4
    LOOP PERFORM mobile_money_payment_count_add(c.api_key_id, c.status, c.transaction_type, c.day, c.d); END LOOP;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Spec 003 counts what its list shows: payments not deleted.
CREATE FUNCTION sms_payments_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE c record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR c IN SELECT workspace_id, count(*) AS d FROM new_rows WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1
    LOOP PERFORM sms_payment_count_add(c.workspace_id, c.d); END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    FOR c IN SELECT workspace_id, -count(*) AS d FROM old_rows WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1
    LOOP PERFORM sms_payment_count_add(c.workspace_id, c.d); END LOOP;
  ELSE
    FOR c IN SELECT workspace_id, sum(d)::bigint AS d FROM (
        SELECT workspace_id, 1 AS d FROM new_rows WHERE deleted_at IS NULL
        UNION ALL
        SELECT workspace_id, -1 FROM old_rows WHERE deleted_at IS NULL) moved
      GROUP BY 1 HAVING sum(d) <> 0 ORDER BY 1
    LOOP PERFORM sms_payment_count_add(c.workspace_id, c.d); END LOOP;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION crypto_payments_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE c record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR c IN SELECT workspace_id, status, currency, blockchain, token, count(*) AS d
      FROM new_rows GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    LOOP PERFORM crypto_payment_count_add(c.workspace_id, c.status, c.currency, c.blockchain, c.token, c.d); END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    FOR c IN SELECT workspace_id, status, currency, blockchain, token, -count(*) AS d
      FROM old_rows GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    LOOP PERFORM crypto_payment_count_add(c.workspace_id, c.status, c.currency, c.blockchain, c.token, c.d); END LOOP;
  ELSE
    FOR c IN SELECT workspace_id, status, currency, blockchain, token, sum(d)::bigint AS d FROM (
        SELECT workspace_id, status, currency, blockchain, token, 1 AS d FROM new_rows
        UNION ALL
        SELECT workspace_id, status, currency, blockchain, token, -1 FROM old_rows) moved
      GROUP BY 1, 2, 3, 4, 5 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4, 5
    LOOP PERFORM crypto_payment_count_add(c.workspace_id, c.status, c.currency, c.blockchain, c.token, c.d); END LOOP;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- TRUNCATE empties the counters with their table (it fires no row-set triggers).
CREATE FUNCTION list_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'mobile_money_payments' THEN
    DELETE FROM mobile_money_payment_counts;
    DELETE FROM mobile_money_payment_day_counts;
  ELSIF TG_TABLE_NAME = 'sms_payments' THEN
    DELETE FROM sms_payment_counts;
  ELSIF TG_TABLE_NAME = 'crypto_payments' THEN
    DELETE FROM crypto_payment_counts;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER mobile_money_payments_count_insert AFTER INSERT ON mobile_money_payments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mobile_money_payments_count();
--> statement-breakpoint
CREATE TRIGGER mobile_money_payments_count_update AFTER UPDATE ON mobile_money_payments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mobile_money_payments_count();
--> statement-breakpoint
CREATE TRIGGER mobile_money_payments_count_delete AFTER DELETE ON mobile_money_payments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION mobile_money_payments_count();
--> statement-breakpoint
CREATE TRIGGER mobile_money_payments_count_truncate AFTER TRUNCATE ON mobile_money_payments
  FOR EACH STATEMENT EXECUTE FUNCTION list_counts_truncate();
--> statement-breakpoint
CREATE TRIGGER sms_payments_count_insert AFTER INSERT ON sms_payments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sms_payments_count();
--> statement-breakpoint
CREATE TRIGGER sms_payments_count_update AFTER UPDATE ON sms_payments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sms_payments_count();
--> statement-breakpoint
CREATE TRIGGER sms_payments_count_delete AFTER DELETE ON sms_payments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sms_payments_count();
--> statement-breakpoint
CREATE TRIGGER sms_payments_count_truncate AFTER TRUNCATE ON sms_payments
  FOR EACH STATEMENT EXECUTE FUNCTION list_counts_truncate();
--> statement-breakpoint
CREATE TRIGGER crypto_payments_count_insert AFTER INSERT ON crypto_payments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crypto_payments_count();
--> statement-breakpoint
CREATE TRIGGER crypto_payments_count_update AFTER UPDATE ON crypto_payments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crypto_payments_count();
--> statement-breakpoint
CREATE TRIGGER crypto_payments_count_delete AFTER DELETE ON crypto_payments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION crypto_payments_count();
--> statement-breakpoint
CREATE TRIGGER crypto_payments_count_truncate AFTER TRUNCATE ON crypto_payments
  FOR EACH STATEMENT EXECUTE FUNCTION list_counts_truncate();
--> statement-breakpoint
-- Backfill, in the same transaction as the triggers: CREATE TRIGGER holds a lock that keeps every writer
-- of the table out until this migration commits, so no row slips between the count and the trigger.
INSERT INTO mobile_money_payment_counts (api_key_id, status, transaction_type, n)
SELECT api_key_id, status, transaction_type, count(*) FROM mobile_money_payments GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO mobile_money_payment_day_counts (api_key_id, day, status, transaction_type, n)
SELECT api_key_id, (created_at AT TIME ZONE 'UTC')::date, status, transaction_type, count(*)
FROM mobile_money_payments GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
INSERT INTO sms_payment_counts (workspace_id, n)
SELECT workspace_id, count(*) FROM sms_payments WHERE deleted_at IS NULL GROUP BY 1;
--> statement-breakpoint
INSERT INTO crypto_payment_counts (workspace_id, status, currency, blockchain, token, n)
SELECT workspace_id, status, currency, blockchain, token, count(*) FROM crypto_payments GROUP BY 1, 2, 3, 4, 5;
--> statement-breakpoint
-- Every counter against a count(*) of what it counts, 002's per-account entry_count included: one row per
-- difference, so `SELECT count(*) FROM counter_drift` must be 0. For tests and operations (it reads the
-- counted tables whole), never for a request.
CREATE VIEW counter_drift AS
SELECT 'mobile_money_payments' AS counter, api_key_id AS owner_id,
  concat_ws(' ', status, transaction_type) AS dims, coalesce(c.n, 0)::bigint AS counted, coalesce(r.n, 0)::bigint AS actual
FROM (SELECT api_key_id, status, transaction_type, sum(n) AS n FROM mobile_money_payment_counts GROUP BY 1, 2, 3) c
FULL JOIN (SELECT api_key_id, status, transaction_type, count(*) AS n FROM mobile_money_payments GROUP BY 1, 2, 3) r
  USING (api_key_id, status, transaction_type)
WHERE coalesce(c.n, 0) <> coalesce(r.n, 0)
UNION ALL
SELECT 'mobile_money_payments by day', api_key_id, concat_ws(' ', day, status, transaction_type),
  coalesce(c.n, 0), coalesce(r.n, 0)
FROM (SELECT api_key_id, day, status, transaction_type, sum(n) AS n FROM mobile_money_payment_day_counts
      GROUP BY 1, 2, 3, 4) c
FULL JOIN (SELECT api_key_id, (created_at AT TIME ZONE 'UTC')::date AS day, status, transaction_type, count(*) AS n
           FROM mobile_money_payments GROUP BY 1, 2, 3, 4) r
  USING (api_key_id, day, status, transaction_type)
WHERE coalesce(c.n, 0) <> coalesce(r.n, 0)
UNION ALL
SELECT 'sms_payments', workspace_id, '', coalesce(c.n, 0), coalesce(r.n, 0)
FROM (SELECT workspace_id, sum(n) AS n FROM sms_payment_counts GROUP BY 1) c
FULL JOIN (SELECT workspace_id, count(*) AS n FROM sms_payments WHERE deleted_at IS NULL GROUP BY 1) r USING (workspace_id)
WHERE coalesce(c.n, 0) <> coalesce(r.n, 0)
UNION ALL
SELECT 'crypto_payments', workspace_id, concat_ws(' ', status, currency, blockchain, token), coalesce(c.n, 0),
  coalesce(r.n, 0)
FROM (SELECT workspace_id, status, currency, blockchain, token, sum(n) AS n FROM crypto_payment_counts
      GROUP BY 1, 2, 3, 4, 5) c
FULL JOIN (SELECT workspace_id, status, currency, blockchain, token, count(*) AS n FROM crypto_payments
           GROUP BY 1, 2, 3, 4, 5) r
  USING (workspace_id, status, currency, blockchain, token)
WHERE coalesce(c.n, 0) <> coalesce(r.n, 0)
UNION ALL
SELECT 'ledger_entries', a.id, '', a.entry_count, coalesce(r.n, 0)
FROM accounts a LEFT JOIN (SELECT account_id, count(*) AS n FROM ledger_entries GROUP BY 1) r ON r.account_id = a.id
WHERE a.entry_count <> coalesce(r.n, 0);
