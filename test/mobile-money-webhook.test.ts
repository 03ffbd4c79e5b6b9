import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError } from "../src/lib/errors";
import { verifyWebhook } from "../src/webhooks/standard-webhooks";
import {
  callRoute,
  callRouteUnchecked,
  expectStatus,
  ledgerInvariant,
  type NewAccount,
  type Permission,
  query,
  rawCall,
  routes,
  sql,
  tenant,
} from "./helpers";
import { moveTo, newEventId, postSigned, signedHeaders, statusEvent } from "./webhook-signing";

const RW: Permission[] = ["payments.read", "payments.write"];
/** A valid whsec_ secret that is not the worker's. */
const OTHER_SECRET = "whsec_b3RoZXItc2VjcmV0LW5vdC10aGUtd29ya2Vycy1vbmU=";

afterEach(() => {
  vi.restoreAllMocks();
});

async function newPayment(amount: number | string = 2500, account: NewAccount = { currency: "EUR" }) {
  const t = await tenant(RW, account);
  const res = await callRoute(
    routes.paiements.createPayment,
    { json: { transaction_type: "PAYMENT", amount, description: "webhook test" } },
    { "x-api-key": t.key },
  );
  return { ...t, payment: expectStatus(res, 201) };
}

/** POSTs `body` to the mobile-money receiver with exactly the headers given (tampered or partial ones). */
const post = (headers: Record<string, string>, body: string) =>
  callRouteUnchecked(routes.webhooks.receiveMobileMoneyEvent, { body }, headers);

async function paymentState(reference: string) {
  const [row] = await query<{ status: string; updated_at: string }>(
    sql`SELECT status, updated_at::text AS updated_at FROM mobile_money_payments WHERE reference = ${reference}`,
  );
  return row;
}

const storedEvents = async (eventId: string) =>
  Number(
    (
      await query<{ n: string }>(
        sql`SELECT count(*)::text AS n FROM webhook_events WHERE upstream = 'mobile_money' AND event_id = ${eventId}`,
      )
    )[0]?.n,
  );

const entries = (accountId: string) =>
  query<{ amount: string; source: string; type: string; external_ref: string; description: string }>(
    sql`SELECT amount::text AS amount, source, type, external_ref, description FROM ledger_entries
        WHERE account_id = ${accountId} ORDER BY id`,
  );

const errorBody = (code: string, message: string | RegExp) => ({
  error: { code, message: typeof message === "string" ? message : expect.stringMatching(message) },
});

describe("POST /webhooks/mobile-money: lifecycle", () => {
  it("moves INIT -> PENDING -> COMPLETE and credits the account exactly once, in the same transaction", async () => {
    const t = await newPayment("1234.56");
    const ref = t.payment.reference;
    const pending = await postSigned(statusEvent(ref, "PENDING"));
    expect(pending.status).toBe(200);
    expect(pending.json).toEqual({ status: "processed", reference: ref, payment_status: "PENDING" });
    expect((await paymentState(ref))?.status).toBe("PENDING");
    expect(await entries(t.account.id)).toEqual([]);

    const complete = await postSigned(statusEvent(ref, "COMPLETE"));
    expect(complete.status).toBe(200);
    expect(complete.json).toEqual({ status: "processed", reference: ref, payment_status: "COMPLETE" });
    expect(await entries(t.account.id)).toEqual([
      {
        amount: "1234.5600",
        source: "mobile_money",
        type: "deposit",
        external_ref: ref,
        description: `Mobile money payment ${ref}`,
      },
    ]);
    expect(await ledgerInvariant(t.account.id)).toEqual({
      balance: "1234.5600",
      sum: "1234.5600",
      count: 1,
      lastBalanceAfter: "1234.5600",
    });

    const listed = await callRoute(routes.paiements.listByApiKey, {}, { "x-api-key": t.key });
    expect(expectStatus(listed, 200).data[0]).toMatchObject({ id: t.payment.id, status: "COMPLETE", amount: 1234.56 });
  });

  it("ends in FAILED or TIMEOUT from INIT or PENDING without touching the ledger", async () => {
    for (const path of [["FAILED"], ["TIMEOUT"], ["PENDING", "FAILED"], ["PENDING", "TIMEOUT"]]) {
      const t = await newPayment();
      for (const status of path) await moveTo(t.payment.reference, status);
      expect((await paymentState(t.payment.reference))?.status).toBe(path[path.length - 1]);
      expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "0.0000", count: 0 });
    }
  });

  it("rejects illegal transitions with 409, logs them, and changes and stores nothing", async () => {
    const warn = vi.spyOn(console, "warn");
    const cases: { path: string[]; event: string; from: string }[] = [
      { path: [], event: "COMPLETE", from: "INIT" },
      { path: ["PENDING"], event: "PENDING", from: "PENDING" },
      { path: ["PENDING", "COMPLETE"], event: "FAILED", from: "COMPLETE" },
      { path: ["PENDING", "COMPLETE"], event: "COMPLETE", from: "COMPLETE" },
      { path: ["FAILED"], event: "PENDING", from: "FAILED" },
      { path: ["TIMEOUT"], event: "COMPLETE", from: "TIMEOUT" },
    ];
    for (const c of cases) {
      const t = await newPayment();
      const ref = t.payment.reference;
      for (const status of c.path) await moveTo(ref, status);
      const before = await paymentState(ref);
      const ledgerBefore = await ledgerInvariant(t.account.id);
      const id = newEventId();
      const res = await postSigned(statusEvent(ref, c.event), { id });
      expect(res.status, `${c.from} -> ${c.event}`).toBe(409);
      expect(res.json).toEqual(
        errorBody("illegal_transition", `Illegal status transition ${c.from} -> ${c.event} for payment ${ref}`),
      );
      expect(await paymentState(ref)).toEqual(before);
      expect(await ledgerInvariant(t.account.id)).toEqual(ledgerBefore);
      expect(await storedEvents(id)).toBe(0);
      const logged = warn.mock.calls.map((args) => String(args[0])).find((line) => line.includes(id));
      expect(logged, "console.warn names the event id").toBeDefined();
      expect(JSON.parse(logged!)).toMatchObject({ event_id: id, reference: ref, from: c.from, to: c.event });
    }
  });

  it("answers a redelivered event id with 200 duplicate and changes nothing, even after later moves", async () => {
    const t = await newPayment(500);
    const ref = t.payment.reference;
    const pendingId = newEventId();
    const pendingBody = statusEvent(ref, "PENDING");
    expect(expectStatus(await postSigned(pendingBody, { id: pendingId }), 200).status).toBe("processed");
    const completeId = newEventId();
    const completeBody = statusEvent(ref, "COMPLETE");
    expect(expectStatus(await postSigned(completeBody, { id: completeId }), 200).status).toBe("processed");
    const state = await paymentState(ref);
    const ledger = await ledgerInvariant(t.account.id);

    for (const [id, body] of [
      [completeId, completeBody],
      [pendingId, pendingBody],
      [completeId, completeBody],
    ] as const) {
      const again = await postSigned(body, { id });
      expect(expectStatus(again, 200)).toEqual({ status: "duplicate" });
    }
    expect(await paymentState(ref)).toEqual(state);
    expect(await ledgerInvariant(t.account.id)).toEqual(ledger);
    expect(ledger).toMatchObject({ balance: "500.0000", count: 1 });
    expect(await storedEvents(completeId)).toBe(1);
  });

  it("credits once when the same signed COMPLETE event arrives five times at once", async () => {
    const t = await newPayment(750);
    await moveTo(t.payment.reference, "PENDING");
    const body = statusEvent(t.payment.reference, "COMPLETE");
    const headers = signedHeaders(body);
    const results = await Promise.all(Array.from({ length: 5 }, () => post(headers, body)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const outcomes = results.map((r) => expectStatus(r, 200).status).sort();
    expect(outcomes).toEqual(["duplicate", "duplicate", "duplicate", "duplicate", "processed"]);
    expect(await ledgerInvariant(t.account.id)).toEqual({
      balance: "750.0000",
      sum: "750.0000",
      count: 1,
      lastBalanceAfter: "750.0000",
    });
    expect(await storedEvents(headers["webhook-id"]!)).toBe(1);
  });

  it("credits once when different event ids race to complete the same payment", async () => {
    const t = await newPayment(40);
    await moveTo(t.payment.reference, "PENDING");
    const body = statusEvent(t.payment.reference, "COMPLETE");
    const results = await Promise.all(Array.from({ length: 4 }, () => postSigned(body)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ balance: "40.0000", sum: "40.0000", count: 1 });
  });
});

describe("POST /webhooks/mobile-money: refused deliveries store nothing", () => {
  /** Posts a delivery that must be refused, and checks that nothing moved. */
  async function refused(
    t: Awaited<ReturnType<typeof newPayment>>,
    send: () => ReturnType<typeof post>,
    status: number,
    expected: ReturnType<typeof errorBody>,
  ) {
    const before = await paymentState(t.payment.reference);
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.json).toEqual(expected);
    expect(await paymentState(t.payment.reference)).toEqual(before);
    expect(await ledgerInvariant(t.account.id)).toMatchObject({ count: 0 });
  }

  it("refuses missing signature headers with 400", async () => {
    const t = await newPayment();
    const body = statusEvent(t.payment.reference, "PENDING");
    const headers = signedHeaders(body);
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const partial = { ...headers };
      delete partial[name];
      await refused(
        t,
        () => post(partial, body),
        400,
        errorBody("invalid_request", "Missing webhook-id, webhook-timestamp or webhook-signature header"),
      );
    }
    await refused(
      t,
      () => post({ ...headers, "webhook-timestamp": "soon" }, body),
      400,
      errorBody("invalid_request", "webhook-timestamp must be an integer number of Unix seconds"),
    );
    expect(await storedEvents(headers["webhook-id"]!)).toBe(0);
  });

  it("refuses a wrong secret, a modified body and a foreign signature version with 401", async () => {
    const t = await newPayment();
    const ref = t.payment.reference;
    const invalid = errorBody("invalid_signature", "Invalid webhook signature: No matching signature found");
    await refused(t, () => postSigned(statusEvent(ref, "PENDING"), { secret: OTHER_SECRET }), 401, invalid);

    const signedBody = statusEvent(ref, "PENDING");
    const headers = signedHeaders(signedBody);
    const tampered = signedBody.replace("PENDING", "FAILED");
    await refused(t, () => post(headers, tampered), 401, invalid);
    // The same bytes re-serialized differently (whitespace) are not the signed bytes either.
    const reformatted = JSON.stringify(JSON.parse(signedBody), null, 2);
    await refused(t, () => post(headers, reformatted), 401, invalid);

    const v2 = { ...headers, "webhook-signature": headers["webhook-signature"]!.replace(/^v1,/, "v2,") };
    await refused(t, () => post(v2, signedBody), 401, invalid);
    expect(await storedEvents(headers["webhook-id"]!)).toBe(0);

    // The untouched request still goes through: the refusals above consumed nothing.
    const ok = await post(headers, signedBody);
    expect(ok.status).toBe(200);
  });

  it("refuses timestamps more than 5 minutes old or ahead with 401, accepts 4 minutes", async () => {
    const t = await newPayment();
    const body = statusEvent(t.payment.reference, "PENDING");
    const now = Date.now();
    await refused(
      t,
      () => postSigned(body, { timestamp: new Date(now - 6 * 60_000) }),
      401,
      errorBody("invalid_signature", "Invalid webhook signature: Message timestamp too old"),
    );
    await refused(
      t,
      () => postSigned(body, { timestamp: new Date(now + 6 * 60_000) }),
      401,
      errorBody("invalid_signature", "Invalid webhook signature: Message timestamp too new"),
    );
    const recent = await postSigned(body, { timestamp: new Date(now - 4 * 60_000) });
    expect(expectStatus(recent, 200).status).toBe("processed");
  });

  it("accepts several space-separated signatures when one of them is valid (rotation)", async () => {
    const t = await newPayment();
    const body = statusEvent(t.payment.reference, "PENDING");
    const headers = signedHeaders(body);
    const stale = new Webhook(OTHER_SECRET).sign(headers["webhook-id"]!, new Date(), body);
    const allWrong = { ...headers, "webhook-signature": `${stale} v1,AAAA` };
    await refused(t, () => post(allWrong, body), 401, errorBody("invalid_signature", /No matching signature/));
    const rotated = { ...headers, "webhook-signature": `${stale} ${headers["webhook-signature"]}` };
    const res = await post(rotated, body);
    expect(expectStatus(res, 200)).toEqual({
      status: "processed",
      reference: t.payment.reference,
      payment_status: "PENDING",
    });
  });

  it("refuses malformed JSON, unknown event types, bad fields (400) and unknown references (404)", async () => {
    const t = await newPayment();
    const ref = t.payment.reference;
    const cases: [string, number, ReturnType<typeof errorBody>][] = [
      ["{not json", 400, errorBody("invalid_request", "Webhook body is not valid JSON")],
      ["[1,2]", 400, errorBody("invalid_event", "Event must be a JSON object with a string type")],
      [
        JSON.stringify({ type: "payment.refunded", data: { reference: ref, status: "COMPLETE" } }),
        400,
        errorBody("unsupported_event_type", "Unsupported event type: payment.refunded"),
      ],
      [statusEvent(ref, "INIT"), 400, errorBody("invalid_event", "Invalid event fields: data.status")],
      [statusEvent(ref, "DONE"), 400, errorBody("invalid_event", "Invalid event fields: data.status")],
      [
        JSON.stringify({ type: "payment.status_changed", data: { status: "PENDING" } }),
        400,
        errorBody("invalid_event", "Invalid event fields: data.reference"),
      ],
      [
        statusEvent("API_PAY_REF_000000000000000000", "PENDING"),
        404,
        errorBody("unknown_payment", "No payment with reference API_PAY_REF_000000000000000000"),
      ],
    ];
    for (const [body, status, expected] of cases) {
      const id = newEventId();
      await refused(t, () => postSigned(body, { id }), status, expected);
      expect(await storedEvents(id)).toBe(0);
    }
  });

  it("answers 404 to any method but POST", async () => {
    // No route answers GET here: a request no route describes.
    const res = await rawCall("GET", "/webhooks/mobile-money");
    expect(res.status).toBe(404);
  });
});

describe("verifyWebhook (shared Standard Webhooks verifier)", () => {
  const body = JSON.stringify({ hello: "world" });

  it("returns id, timestamp and the parsed payload of a valid request", () => {
    const headers = signedHeaders(body, { id: "msg_1" });
    const verified = verifyWebhook(env.MOBILE_MONEY_WEBHOOK_SECRET, new Headers(headers), body);
    expect(verified).toEqual({
      id: "msg_1",
      timestamp: new Date(Number(headers["webhook-timestamp"]) * 1000),
      payload: { hello: "world" },
    });
  });

  it("accepts any of several configured secrets during our own rotation", () => {
    const headers = signedHeaders(body, { secret: OTHER_SECRET });
    expect(() => verifyWebhook(env.MOBILE_MONEY_WEBHOOK_SECRET, headers, body)).toThrow(/No matching signature/);
    expect(verifyWebhook(`${env.MOBILE_MONEY_WEBHOOK_SECRET} ${OTHER_SECRET}`, headers, body).payload).toEqual({
      hello: "world",
    });
    expect(verifyWebhook([OTHER_SECRET], headers, body).id).toBe(headers["webhook-id"]);
  });

  it("maps failures to 400 (malformed) and 401 (not authentic)", () => {
    const headers = signedHeaders(body);
    const statusOf = (fn: () => unknown) => {
      try {
        fn();
        return 200;
      } catch (err) {
        return err instanceof AppError ? err.status : err;
      }
    };
    expect(statusOf(() => verifyWebhook(env.MOBILE_MONEY_WEBHOOK_SECRET, {}, body))).toBe(400);
    expect(
      statusOf(() => verifyWebhook(env.MOBILE_MONEY_WEBHOOK_SECRET, { ...headers, "webhook-id": "a b" }, body)),
    ).toBe(400);
    expect(statusOf(() => verifyWebhook(env.MOBILE_MONEY_WEBHOOK_SECRET, headers, `${body} `))).toBe(401);
    const notJson = "plain text";
    expect(statusOf(() => verifyWebhook(env.MOBILE_MONEY_WEBHOOK_SECRET, signedHeaders(notJson), notJson))).toBe(400);
  });
});
