import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../functions/index";
import { query, sql } from "./helpers";

describe("scheduled maintenance", () => {
  it("purges idempotency outcomes past their retention and keeps the others", async () => {
    const scope = `test:${crypto.randomUUID()}`;
    await query(sql`
      INSERT INTO idempotency_keys (scope, key, request_hash, response_status, response_body, expires_at)
      VALUES (${scope}, 'old', 'h', 200, '{}'::jsonb, now() - interval '1 hour'),
             (${scope}, 'fresh', 'h', 200, '{}'::jsonb, now() + interval '1 hour')`);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = await query<{ key: string }>(
      sql`SELECT key FROM idempotency_keys WHERE scope = ${scope} ORDER BY key`,
    );
    expect(left.map((r) => r.key)).toEqual(["fresh"]);
  });
});
