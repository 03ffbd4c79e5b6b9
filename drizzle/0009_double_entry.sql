-- Double-entry (issue 19). Every money movement becomes one ledger transaction of two or more legs that
-- sum to zero per currency: the customer legs stay in ledger_entries, the counter-legs go to system
-- accounts (system_legs, one account per code and currency, balances in slot rows). The functions and
-- triggers that post and check them live in drizzle/functions/ (applied after the migrations).
--
-- This is the one migration that changes existing ledger rows: it gives every entry its transaction id
-- (the entry's own id, so ids stay readable) and its posting sequence, and gives it the counter-leg it
-- always implied, marked `opening`, so the whole history balances.
CREATE TABLE "currencies" (
	"code" text PRIMARY KEY NOT NULL,
	"minor_units" integer NOT NULL,
	CONSTRAINT "currencies_code_check" CHECK ("currencies"."code" ~ '^[A-Z]{3}$'),
	CONSTRAINT "currencies_minor_units_check" CHECK ("currencies"."minor_units" between 0 and 4)
);
--> statement-breakpoint
CREATE TABLE "ledger_day_counts" (
	"account_id" uuid NOT NULL,
	"day" date NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "ledger_day_counts_account_id_day_pk" PRIMARY KEY("account_id","day")
);
--> statement-breakpoint
CREATE TABLE "system_balances" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "system_balances_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account_code" text NOT NULL,
	"currency" text NOT NULL,
	"balance" numeric(24, 4) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "system_legs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "system_legs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"transaction_id" bigint NOT NULL,
	"account_code" text NOT NULL,
	"currency" text NOT NULL,
	"amount" numeric(20, 4) NOT NULL,
	"effective_at" timestamp with time zone NOT NULL,
	"posted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"opening" boolean DEFAULT false NOT NULL,
	CONSTRAINT "system_legs_amount_nonzero" CHECK ("system_legs"."amount" <> 0),
	CONSTRAINT "system_legs_code_check" CHECK ("system_legs"."account_code" ~ '^[a-z]+:[a-z_]+$')
);
--> statement-breakpoint
CREATE INDEX "system_balances_account_idx" ON "system_balances" USING btree ("account_code","currency");--> statement-breakpoint
CREATE INDEX "system_legs_account_idx" ON "system_legs" USING btree ("account_code","currency","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "system_legs_transaction_idx" ON "system_legs" USING btree ("transaction_id");--> statement-breakpoint
--> statement-breakpoint
-- ISO 4217 (list one, active codes) with their minor units; codes already in use that ISO does not list
-- keep the precision they had (2).
INSERT INTO "currencies" ("code", "minor_units") VALUES
  ('AED', 2), ('AFN', 2), ('ALL', 2), ('AMD', 2), ('ANG', 2), ('AOA', 2), ('ARS', 2), ('AUD', 2), ('AWG', 2),
  ('AZN', 2), ('BAM', 2), ('BBD', 2), ('BDT', 2), ('BGN', 2), ('BHD', 3), ('BIF', 0), ('BMD', 2), ('BND', 2),
  ('BOB', 2), ('BOV', 2), ('BRL', 2), ('BSD', 2), ('BTN', 2), ('BWP', 2), ('BYN', 2), ('BZD', 2), ('CAD', 2),
  ('CDF', 2), ('CHE', 2), ('CHF', 2), ('CHW', 2), ('CLF', 4), ('CLP', 0), ('CNY', 2), ('COP', 2), ('COU', 2),
  ('CRC', 2), ('CUP', 2), ('CVE', 2), ('CZK', 2), ('DJF', 0), ('DKK', 2), ('DOP', 2), ('DZD', 2), ('EGP', 2),
  ('ERN', 2), ('ETB', 2), ('EUR', 2), ('FJD', 2), ('FKP', 2), ('GBP', 2), ('GEL', 2), ('GHS', 2), ('GIP', 2),
  ('GMD', 2), ('GNF', 0), ('GTQ', 2), ('GYD', 2), ('HKD', 2), ('HNL', 2), ('HTG', 2), ('HUF', 2), ('IDR', 2),
  ('ILS', 2), ('INR', 2), ('IQD', 3), ('IRR', 2), ('ISK', 0), ('JMD', 2), ('JOD', 3), ('JPY', 0), ('KES', 2),
  ('KGS', 2), ('KHR', 2), ('KMF', 0), ('KPW', 2), ('KRW', 0), ('KWD', 3), ('KYD', 2), ('KZT', 2), ('LAK', 2),
  ('LBP', 2), ('LKR', 2), ('LRD', 2), ('LSL', 2), ('LYD', 3), ('MAD', 2), ('MDL', 2), ('MGA', 2), ('MKD', 2),
  ('MMK', 2), ('MNT', 2), ('MOP', 2), ('MRU', 2), ('MUR', 2), ('MVR', 2), ('MWK', 2), ('MXN', 2), ('MXV', 2),
  ('MYR', 2), ('MZN', 2), ('NAD', 2), ('NGN', 2), ('NIO', 2), ('NOK', 2), ('NPR', 2), ('NZD', 2), ('OMR', 3),
  ('PAB', 2), ('PEN', 2), ('PGK', 2), ('PHP', 2), ('PKR', 2), ('PLN', 2), ('PYG', 0), ('QAR', 2), ('RON', 2),
  ('RSD', 2), ('RUB', 2), ('RWF', 0), ('SAR', 2), ('SBD', 2), ('SCR', 2), ('SDG', 2), ('SEK', 2), ('SGD', 2),
  ('SHP', 2), ('SLE', 2), ('SOS', 2), ('SRD', 2), ('SSP', 2), ('STN', 2), ('SVC', 2), ('SYP', 2), ('SZL', 2),
  ('THB', 2), ('TJS', 2), ('TMT', 2), ('TND', 3), ('TOP', 2), ('TRY', 2), ('TTD', 2), ('TWD', 2), ('TZS', 2),
  ('UAH', 2), ('UGX', 0), ('USD', 2), ('USN', 2), ('UYI', 0), ('UYU', 2), ('UYW', 4), ('UZS', 2), ('VED', 2),
  ('VES', 2), ('VND', 0), ('VUV', 0), ('WST', 2), ('XAF', 0), ('XCD', 2), ('XCG', 2), ('XOF', 0), ('XPF', 0),
  ('YER', 2), ('ZAR', 2), ('ZMW', 2), ('ZWG', 2);
--> statement-breakpoint
INSERT INTO "currencies" ("code", "minor_units") SELECT DISTINCT "currency", 2 FROM "accounts" ON CONFLICT DO NOTHING;
--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_currency_currencies_code_fk" FOREIGN KEY ("currency") REFERENCES "public"."currencies"("code") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
CREATE SEQUENCE "ledger_transaction_id_seq";
--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "transaction_id" bigint;
--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "seq" bigint;
--> statement-breakpoint
ALTER TABLE "ledger_entries" DISABLE TRIGGER "ledger_entries_no_update";
--> statement-breakpoint
UPDATE "ledger_entries" e SET "transaction_id" = e."id", "seq" = n."seq"
FROM (SELECT "id", row_number() OVER (PARTITION BY "account_id" ORDER BY "id") AS "seq" FROM "ledger_entries") n
WHERE n."id" = e."id";
--> statement-breakpoint
ALTER TABLE "ledger_entries" ENABLE TRIGGER "ledger_entries_no_update";
--> statement-breakpoint
ALTER TABLE "ledger_entries" ALTER COLUMN "transaction_id" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "ledger_entries" ALTER COLUMN "seq" SET NOT NULL;
--> statement-breakpoint
SELECT setval('ledger_transaction_id_seq', coalesce((SELECT max("id") FROM "ledger_entries"), 0) + 1, false);
--> statement-breakpoint
-- The posting counts entries itself now (entry_count = the newest seq, under the account's row lock).
DROP TRIGGER IF EXISTS "ledger_entries_count" ON "ledger_entries";
--> statement-breakpoint
DROP FUNCTION IF EXISTS ledger_entries_count();
--> statement-breakpoint
UPDATE "accounts" a SET "entry_count" = coalesce((SELECT max(e."seq") FROM "ledger_entries" e WHERE e."account_id" = a."id"), 0);
--> statement-breakpoint
-- The counter-leg each single-entry movement implied: by its source and type (a reversal by its sign,
-- since it undid a deposit or a charge).
INSERT INTO "system_legs" ("transaction_id", "account_code", "currency", "amount", "effective_at", "posted_at", "opening")
SELECT e."id", CASE
    WHEN e."source" = 'sms_gateway' AND (e."type" = 'usage' OR (e."type" = 'reversal' AND e."amount" > 0)) THEN 'revenue:usage'
    WHEN e."source" = 'sms_gateway' THEN 'clearing:sms_gateway'
    WHEN e."source" = 'api' AND (e."type" = 'usage' OR (e."type" = 'reversal' AND e."amount" > 0)) THEN 'revenue:usage'
    WHEN e."source" = 'api' THEN 'clearing:api'
    WHEN e."source" = 'portal' AND e."type" = 'adjustment' THEN 'adjustments:portal'
    WHEN e."source" = 'portal' THEN 'clearing:manual'
    WHEN e."source" = 'mobile_money' THEN 'clearing:mobile_money'
    WHEN e."source" = 'crypto' THEN 'clearing:crypto'
  END, e."currency", -e."amount", e."occurred_at", e."created_at", true
FROM "ledger_entries" e ORDER BY e."id";
--> statement-breakpoint
INSERT INTO "system_balances" ("account_code", "currency", "balance")
SELECT "account_code", "currency", sum("amount") FROM "system_legs" GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO "ledger_day_counts" ("account_id", "day", "n")
SELECT "account_id", ("occurred_at" AT TIME ZONE 'UTC')::date, count(*) FROM "ledger_entries" GROUP BY 1, 2;
--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_account_seq_idx" ON "ledger_entries" USING btree ("account_id","seq");
--> statement-breakpoint
CREATE INDEX "ledger_transaction_idx" ON "ledger_entries" USING btree ("transaction_id");
--> statement-breakpoint
CREATE INDEX "ledger_account_posted_idx" ON "ledger_entries" USING btree ("account_id","created_at");
--> statement-breakpoint
-- The single-entry posting; drizzle/functions/ledger_post.sql defines the double-entry one.
DROP FUNCTION IF EXISTS ledger_post(uuid, uuid, numeric, text, text, text, timestamptz, text, jsonb, boolean, uuid, boolean, integer, jsonb);
