-- This migration first created idempotency_open(), idempotency_claim(), ledger_post() and
-- write_refused(). Their text now lives only in drizzle/functions/ (10_idempotency.sql, 30_ledger_post.sql),
-- which the migrate step applies after the migrations, so that a change to one is a diff of its file. A
-- database that ran the first text keeps what it ran (the migrator never reads an applied migration
-- again), and on a new database no migration between this one and the function files calls them: both
-- texts end in the same schema (pg_dump --schema-only after the whole migrate, compared when this file
-- was cut).
SELECT 1;
