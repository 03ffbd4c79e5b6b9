// Spec 001: POST /api/paiements: a payment in INIT, its validation, its key and account checks, idempotency.
import { describe, expect, it } from "vitest";
import { badRequest, countRows, create, createOk, ISO_SECONDS, RW, SPEC_FIELDS } from "./fixtures/paiements";
import { assertStatus, callRouteUnchecked, createKey, query, routes, sql, suspend, tenant } from "./helpers";

describe("POST /api/paiements", () => {
  it("creates a PAYMENT in status INIT with a generated reference and exactly the spec's fields", async () => {
    const t = await tenant(RW);
    const dbNow = async () => (await query<{ now: string }>(sql`SELECT now()::text AS now`))[0]!.now;
    const before = await dbNow();
    const res = await create(t.key, {
      transaction_type: "PAYMENT",
      amount: 2500,
      description: "API payment for subscription",
      extra_data: { subscription_id: "sub_789", plan: "premium" },
    });
    assertStatus(res, 201);
    expect(Object.keys(res.json).sort()).toEqual(SPEC_FIELDS);
    expect(res.json).toEqual({
      id: expect.stringMatching(/^payment_\d+$/),
      reference: expect.stringMatching(/^API_PAY_REF_\d{18}$/),
      amount: 2500,
      description: "API payment for subscription",
      status: "INIT",
      transaction_type: "PAYMENT",
      phone: null,
      service_mobile_code: null,
      extra_data: { subscription_id: "sub_789", plan: "premium" },
      createdAt: expect.stringMatching(ISO_SECONDS),
      updatedAt: res.json.createdAt,
      organization_id: t.workspace.id,
      api_key_id: t.keyId,
    });
    // createdAt is the stored creation time to the second, made between the two readings of the
    // database's clock around the request.
    const after = await dbNow();
    const [row] = await query<{ created_at: string; in_order: boolean }>(sql`
      SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
        ${before}::timestamptz <= created_at AND created_at <= ${after}::timestamptz AS in_order
      FROM mobile_money_payments WHERE reference = ${res.json.reference}`);
    expect(row).toEqual({ created_at: res.json.createdAt, in_order: true });
  });

  it("creates a DIRECT_PAYMENT with phone and operator code, and keeps a decimal amount exact", async () => {
    const t = await tenant(RW);
    const res = await create(t.key, {
      transaction_type: "DIRECT_PAYMENT",
      amount: "1500.55",
      description: "API direct payment",
      phone: "+2250506070809",
      service_mobile_code: "MTN_CI",
      extra_data: { merchant_ref: "MERCH_001" },
    });
    assertStatus(res, 201);
    expect(res.json).toMatchObject({
      reference: expect.stringMatching(/^API_DIRECT_REF_\d{18}$/),
      amount: 1500.55,
      phone: "+2250506070809",
      service_mobile_code: "MTN_CI",
      transaction_type: "DIRECT_PAYMENT",
      status: "INIT",
    });
    const [row] = await query<{ amount: string }>(
      sql`SELECT amount::text AS amount FROM mobile_money_payments WHERE reference = ${res.json.reference}`,
    );
    expect(row?.amount).toBe("1500.5500");
  });

  it("generates distinct references per type", async () => {
    const t = await tenant(RW);
    const a = await createOk(t.key, { transaction_type: "TRANSFERT" });
    const b = await createOk(t.key, { transaction_type: "RECHARGE" });
    const c = await createOk(t.key, { transaction_type: "PAYMENT" });
    expect(a.reference).toMatch(/^API_TRANSFER_REF_\d{18}$/);
    expect(b.reference).toMatch(/^API_RECHARGE_REF_\d{18}$/);
    expect(new Set([a.reference, b.reference, c.reference]).size).toBe(3);
  });

  it("refuses every invalid body with 400 naming the field, and stores nothing", async () => {
    const t = await tenant(RW);
    const cases: [unknown, RegExp][] = [
      [{ amount: 10 }, /transaction_type must be one of PAYMENT, DIRECT_PAYMENT, TRANSFERT, RECHARGE/],
      [{ transaction_type: "REFUND", amount: 10 }, /transaction_type must be one of/],
      [{ transaction_type: "PAYMENT" }, /^amount/],
      [{ transaction_type: "PAYMENT", amount: 0 }, /^amount must be greater than 0$/],
      [{ transaction_type: "PAYMENT", amount: -5 }, /^amount must be greater than 0$/],
      [{ transaction_type: "PAYMENT", amount: "12abc" }, /amount must be a decimal number/],
      [{ transaction_type: "PAYMENT", amount: 10.123 }, /amount has more than 2 decimal places allowed for EUR/],
      [{ transaction_type: "DIRECT_PAYMENT", amount: 10, service_mobile_code: "MTN_CI" }, /phone is required/],
      [{ transaction_type: "DIRECT_PAYMENT", amount: 10, phone: "+2250506070809" }, /service_mobile_code is required/],
      [{ transaction_type: "PAYMENT", amount: 10, phone: "0506070809" }, /phone must be an E.164 number/],
      [{ transaction_type: "PAYMENT", amount: 10, service_mobile_code: "mtn ci" }, /service_mobile_code must be/],
      [{ transaction_type: "PAYMENT", amount: 10, extra_data: [1, 2] }, /extra_data must be a JSON object/],
      [{ transaction_type: "PAYMENT", amount: 10, extra_data: "x" }, /extra_data must be a JSON object/],
      [
        { transaction_type: "PAYMENT", amount: 10, extra_data: { blob: "x".repeat(5000) } },
        /extra_data must be at most/,
      ],
      [{ transaction_type: "PAYMENT", amount: 10, description: "" }, /description must not be empty/],
      [{ transaction_type: "PAYMENT", amount: 10, status: "COMPLETE" }, /Unknown field: status/],
    ];
    for (const [body, message] of cases) {
      const res = await create(t.key, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json, JSON.stringify(body)).toEqual(badRequest(message));
    }
    const malformed = await create(t.key, "{not json");
    assertStatus(malformed, 400);
    expect(malformed.json).toEqual(badRequest(/Malformed JSON/));
    const notJson = await create(t.key, JSON.stringify({ transaction_type: "PAYMENT", amount: 10 }), {
      "content-type": "text/plain",
    });
    assertStatus(notJson, 400);
    expect(notJson.json).toMatchObject({ statusCode: 400, error: "Bad Request" });
    expect(await countRows(t.keyId)).toBe(0);
  });

  it("checks the amount against the account currency's precision", async () => {
    const t = await tenant(RW, { currency: "XOF" });
    const res = await create(t.key, { transaction_type: "PAYMENT", amount: 2500.5 });
    assertStatus(res, 400);
    expect(res.json).toEqual(badRequest("amount has more than 0 decimal places allowed for XOF"));
    expect((await create(t.key, { transaction_type: "PAYMENT", amount: 2500 })).status).toBe(201);
  });

  it("answers 401 for a missing, unknown or revoked key and 403 without payments.write or an account", async () => {
    const t = await tenant(RW);
    const body = { transaction_type: "PAYMENT", amount: 10 };
    const unauthorized = { statusCode: 401, message: "Invalid API key", error: "Unauthorized" };
    expect((await callRouteUnchecked(routes.paiements.createPayment, { body })).json).toEqual(unauthorized);
    const unknown = await create(`sk_test_${"a".repeat(32)}`, body);
    assertStatus(unknown, 401);
    expect(unknown.json).toEqual(unauthorized);

    const readOnly = await createKey(t.workspace.id, { account_id: t.account.id, permissions: ["payments.read"] });
    const forbidden = await create(readOnly.key, body);
    assertStatus(forbidden, 403);
    expect(forbidden.json).toEqual({
      statusCode: 403,
      message: "API key does not have permission to create payments",
      error: "Forbidden",
    });

    const unbound = await createKey(t.workspace.id, { permissions: RW });
    const noAccount = await create(unbound.key, body);
    assertStatus(noAccount, 403);
    expect(noAccount.json).toEqual({
      statusCode: 403,
      message: "API key is not bound to an account",
      error: "Forbidden",
    });

    // Revoked in the database while KV still caches the key: the insert re-checks revocation itself.
    await query(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${t.keyId}`);
    const revoked = await create(t.key, body);
    assertStatus(revoked, 401);
    expect(revoked.json).toEqual(unauthorized);
    expect(await countRows(t.keyId)).toBe(0);
    expect(await countRows(readOnly.id)).toBe(0);
  });

  it("refuses payments on a suspended account", async () => {
    const t = await tenant(RW);
    await suspend(t.account.id);
    const res = await create(t.key, { transaction_type: "PAYMENT", amount: 10 });
    assertStatus(res, 403);
    expect(res.json).toEqual({ statusCode: 403, message: "Account is suspended", error: "Forbidden" });
  });

  it("honours Idempotency-Key: same body replays the same payment, another body is 422", async () => {
    const t = await tenant(RW);
    const body = { transaction_type: "PAYMENT", amount: 75, description: "once" };
    const first = await create(t.key, body, { "idempotency-key": "order-42" });
    assertStatus(first, 201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await create(t.key, body, { "idempotency-key": "order-42" });
    assertStatus(again, 201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    expect(await countRows(t.keyId)).toBe(1);

    const other = await create(t.key, { ...body, amount: 76 }, { "idempotency-key": "order-42" });
    assertStatus(other, 422);
    expect(other.json).toEqual({
      statusCode: 422,
      message: "Idempotency-Key was already used with a different request",
      error: "Unprocessable Entity",
    });

    // The key is scoped to the API key: another key of the workspace may use the same value.
    const second = await createKey(t.workspace.id, { account_id: t.account.id, permissions: RW });
    const theirs = await create(second.key, body, { "idempotency-key": "order-42" });
    assertStatus(theirs, 201);
    expect(theirs.json.id).not.toBe(first.json.id);

    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => create(t.key, { ...body, amount: 80 }, { "idempotency-key": "order-43" })),
    );
    const created = concurrent.filter((r) => r.status === 201);
    // Exactly one ran; the others replayed its answer or found it still in flight.
    expect(created.filter((r) => r.headers.get("idempotent-replayed") !== "true")).toHaveLength(1);
    expect(concurrent.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect(new Set(created.map((r) => r.json.id)).size).toBe(1);
    expect(await countRows(t.keyId)).toBe(2);

    const badKey = await create(t.key, body, { "idempotency-key": "has space" });
    assertStatus(badKey, 400);
    expect(badKey.json).toEqual(badRequest("Idempotency-Key must be 1-255 printable ASCII characters"));
  });
});
