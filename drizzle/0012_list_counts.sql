-- Issue 23 item 5: one counter table (list_counts) in place of the four of 0007, kept by one count_add and
-- one trigger function (drizzle/functions/60_count_add.sql, 61_list_count_trigger.sql). The old view,
-- triggers, functions and tables go here; the migrate step then applies drizzle/functions/, whose
-- 62_list_count_triggers.sql attaches the new triggers and, in the same transaction (so under the
-- CREATE TRIGGER lock that keeps writers out), backfills each counter from a count(*) of its rows. Counting
-- the rows there, not copying the old counters here, also counts what is written between this migration's
-- commit and the triggers' creation. 63_counter_drift.sql recreates counter_drift over the new table.
DROP VIEW IF EXISTS "counter_drift";--> statement-breakpoint
DROP TRIGGER IF EXISTS "mobile_money_payments_count_insert" ON "mobile_money_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "mobile_money_payments_count_update" ON "mobile_money_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "mobile_money_payments_count_delete" ON "mobile_money_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "mobile_money_payments_count_truncate" ON "mobile_money_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "sms_payments_count_insert" ON "sms_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "sms_payments_count_update" ON "sms_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "sms_payments_count_delete" ON "sms_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "sms_payments_count_truncate" ON "sms_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "crypto_payments_count_insert" ON "crypto_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "crypto_payments_count_update" ON "crypto_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "crypto_payments_count_delete" ON "crypto_payments";--> statement-breakpoint
DROP TRIGGER IF EXISTS "crypto_payments_count_truncate" ON "crypto_payments";--> statement-breakpoint
DROP FUNCTION IF EXISTS mobile_money_payments_count();--> statement-breakpoint
DROP FUNCTION IF EXISTS sms_payments_count();--> statement-breakpoint
DROP FUNCTION IF EXISTS crypto_payments_count();--> statement-breakpoint
DROP FUNCTION IF EXISTS list_counts_truncate();--> statement-breakpoint
DROP FUNCTION IF EXISTS mobile_money_payment_count_add(uuid, text, text, date, bigint);--> statement-breakpoint
DROP FUNCTION IF EXISTS sms_payment_count_add(uuid, bigint);--> statement-breakpoint
DROP FUNCTION IF EXISTS crypto_payment_count_add(uuid, text, text, text, text, bigint);--> statement-breakpoint
CREATE TABLE "list_counts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "list_counts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"counter" text NOT NULL,
	"owner_id" uuid NOT NULL,
	"dims" jsonb NOT NULL,
	"day" date,
	"n" bigint NOT NULL
);
--> statement-breakpoint
DROP TABLE "crypto_payment_counts";--> statement-breakpoint
DROP TABLE "mobile_money_payment_counts";--> statement-breakpoint
DROP TABLE "mobile_money_payment_day_counts";--> statement-breakpoint
DROP TABLE "sms_payment_counts";--> statement-breakpoint
CREATE INDEX "list_counts_owner_idx" ON "list_counts" USING btree ("counter","owner_id","day","dims");
