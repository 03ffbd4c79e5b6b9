-- The list counters' first tables, replaced by the one list_counts table of 0012_list_counts.sql. The
-- counter functions, their triggers, the backfill and the counter_drift view that this migration first
-- created are no longer in this file: 0012 drops every one of them, and drizzle/functions/60-63 define
-- what replaced them (one count function, one trigger function, the drift view). A database that ran the
-- first text keeps what it ran: the migrator never reads an applied migration again. On a new database
-- both texts end in the same schema (pg_dump --schema-only after the whole migrate, compared when this
-- file was cut).
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
CREATE INDEX "sms_payments_visible_time_idx" ON "sms_payments" USING btree ("workspace_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "sms_payments"."deleted_at" IS NULL;
