CREATE TABLE "reconciliation_items" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "reconciliation_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"reconciliation_id" uuid NOT NULL,
	"bucket" text NOT NULL,
	"key" text NOT NULL,
	"line_no" integer,
	"report_amount" numeric(20, 4),
	"fee" numeric(20, 4),
	"ledger_amount" numeric(20, 4),
	"account_id" uuid,
	"credit_transaction_ids" bigint[] NOT NULL,
	"resolution" text,
	"resolution_note" text,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"resolution_transaction_id" bigint,
	"settled_transaction_id" bigint
);
--> statement-breakpoint
CREATE TABLE "reconciliation_lines" (
	"reconciliation_id" uuid NOT NULL,
	"line_no" integer NOT NULL,
	"key_field" text NOT NULL,
	"keys" text[] NOT NULL,
	"amount" numeric(20, 4) NOT NULL,
	"fee" numeric(20, 4) NOT NULL,
	"settled_at" timestamp with time zone NOT NULL,
	CONSTRAINT "reconciliation_lines_reconciliation_id_line_no_pk" PRIMARY KEY("reconciliation_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "reconciliation_settled_credits" (
	"transaction_id" bigint PRIMARY KEY NOT NULL,
	"item_id" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reconciliations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"upstream" text NOT NULL,
	"currency" text NOT NULL,
	"period_from" timestamp with time zone NOT NULL,
	"period_to" timestamp with time zone NOT NULL,
	"file_sha256" text,
	"status" text DEFAULT 'importing' NOT NULL,
	"line_count" integer DEFAULT 0 NOT NULL,
	"summary" jsonb,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"opened_at" timestamp with time zone,
	"settled_at" timestamp with time zone,
	CONSTRAINT "reconciliations_period_check" CHECK ("reconciliations"."period_from" < "reconciliations"."period_to")
);
--> statement-breakpoint
CREATE TABLE "webhook_refusals" (
	"upstream" text NOT NULL,
	"event_id" text NOT NULL,
	"status" integer NOT NULL,
	"reason" text NOT NULL,
	"payload" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"first_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_refusals_upstream_event_id_pk" PRIMARY KEY("upstream","event_id")
);
--> statement-breakpoint
ALTER TABLE "reconciliation_items" ADD CONSTRAINT "reconciliation_items_reconciliation_id_reconciliations_id_fk" FOREIGN KEY ("reconciliation_id") REFERENCES "public"."reconciliations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_lines" ADD CONSTRAINT "reconciliation_lines_reconciliation_id_reconciliations_id_fk" FOREIGN KEY ("reconciliation_id") REFERENCES "public"."reconciliations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_settled_credits" ADD CONSTRAINT "reconciliation_settled_credits_item_id_reconciliation_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."reconciliation_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliations" ADD CONSTRAINT "reconciliations_currency_currencies_code_fk" FOREIGN KEY ("currency") REFERENCES "public"."currencies"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reconciliation_items_bucket_idx" ON "reconciliation_items" USING btree ("reconciliation_id","bucket","id");--> statement-breakpoint
CREATE UNIQUE INDEX "reconciliations_file_idx" ON "reconciliations" USING btree ("upstream","currency","file_sha256") WHERE "reconciliations"."status" <> 'importing';--> statement-breakpoint
CREATE INDEX "reconciliations_list_idx" ON "reconciliations" USING btree ("upstream","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "reconciliations_importing_idx" ON "reconciliations" USING btree ("created_at") WHERE "reconciliations"."status" = 'importing';--> statement-breakpoint
CREATE INDEX "webhook_refusals_recency_idx" ON "webhook_refusals" USING btree ("upstream","last_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "crypto_order_id_idx" ON "crypto_payments" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "webhook_events_reference_idx" ON "webhook_events" USING btree (("payload"->'data'->>'reference')) WHERE "webhook_events"."upstream" = 'mobile_money';