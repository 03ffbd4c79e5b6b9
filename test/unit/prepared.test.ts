// src/db/prepared.ts: a statement's text is rendered once per isolate, and each binding fills its slots
// in the order the text numbers them, constants kept where the builder wrote them.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { prepared } from "../../src/db/prepared";

describe("prepared statements", () => {
  it("renders the text once and binds each request's values by slot", () => {
    let builds = 0;
    const statement = prepared<"account" | "amount">((slot) => {
      builds += 1;
      return sql`SELECT ${slot("amount")}::numeric, ${"fixed"}::text, ${slot("account")}::uuid, ${slot("amount")}::numeric`;
    });
    const first = statement({ account: "a-1", amount: "1.50" });
    const second = statement({ account: "a-2", amount: "-0.01" });
    expect(builds).toBe(1);
    expect(first.text).toBe("SELECT $1::numeric, $2::text, $3::uuid, $4::numeric");
    expect(second.text).toBe(first.text);
    expect(first.params).toEqual(["1.50", "fixed", "a-1", "1.50"]);
    expect(second.params).toEqual(["-0.01", "fixed", "a-2", "-0.01"]);
  });

  it("binds null for a slot whose value is null", () => {
    const statement = prepared<"description">((slot) => sql`SELECT ${slot("description")}::text`);
    expect(statement({ description: null }).params).toEqual([null]);
  });
});
