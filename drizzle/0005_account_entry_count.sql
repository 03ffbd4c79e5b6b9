ALTER TABLE "accounts" ADD COLUMN "entry_count" bigint DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- Backfill: every account's counter starts at its current number of entries.
UPDATE "accounts" a SET "entry_count" = (SELECT count(*) FROM "ledger_entries" e WHERE e."account_id" = a."id");
