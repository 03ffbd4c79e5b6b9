ALTER TABLE "accounts" ADD COLUMN "entry_count" bigint DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- Every inserted ledger row counts, whoever inserts it (including a worker still running the code of
-- before this migration during a deploy): one statement-level trigger per INSERT statement.
CREATE OR REPLACE FUNCTION ledger_entries_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts a SET entry_count = a.entry_count + n.added
  FROM (SELECT account_id, count(*) AS added FROM inserted GROUP BY account_id) n
  WHERE a.id = n.account_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER ledger_entries_count AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_count();
--> statement-breakpoint
-- Backfill, in the same transaction as the trigger (the migrator runs a migration in one transaction
-- and ALTER TABLE holds its lock until commit, so no posting slips between the two).
UPDATE "accounts" a SET "entry_count" = (SELECT count(*) FROM "ledger_entries" e WHERE e."account_id" = a."id");
