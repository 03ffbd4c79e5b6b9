DROP INDEX "deliveries_workspace_time_idx";--> statement-breakpoint
CREATE INDEX "accounts_workspace_created_idx" ON "accounts" USING btree ("workspace_id","created_at","id");--> statement-breakpoint
CREATE INDEX "api_keys_workspace_created_idx" ON "api_keys" USING btree ("workspace_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ledger_created_brin_idx" ON "ledger_entries" USING brin ("created_at");--> statement-breakpoint
CREATE INDEX "oauth_clients_workspace_created_idx" ON "oauth_clients" USING btree ("workspace_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "deliveries_failing_idx" ON "webhook_deliveries" USING btree ("last_attempt_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "webhook_deliveries"."status" <> 'delivered' AND "webhook_deliveries"."last_error" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "workspaces_name_search_idx" ON "workspaces" USING btree (lower("name") COLLATE "C","id");--> statement-breakpoint
CREATE INDEX "deliveries_workspace_time_idx" ON "webhook_deliveries" USING btree ("workspace_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);