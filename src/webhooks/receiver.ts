// The one skeleton of the webhook receivers (crypto.ts, mobile-money.ts, sms-gateway.ts): verify the
// Standard Webhooks signature over the raw body (once per request), count the upstream's budget, parse
// the event, run its effect in ONE database round trip (runWrite; the webhook_events claim first, and a
// refusal rolls everything back, claim included), then answer. Each receiver brings its secret, its
// event schema, its effect, and its words for a bad event, a refusal and the answer.
import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv, Bindings } from "../env";
import { jsonContent, rateLimited } from "../http/openapi";
import { countRequest, credentials } from "../http/rate-limit";
import { database } from "../http/request-db";
import type { Surface } from "../http/surface";
import { type Effect, runWrite } from "../ledger/idempotency";
import { type Refusal, refusalError } from "../ledger/posting";
import { type AppError, toAppError } from "../lib/errors";
import { recordRefusal } from "./queries";
import { type VerifiedWebhook, verifyWebhook } from "./standard-webhooks";

/** A verified delivery: its webhook-id, timestamp and payload, and the raw body that was signed. */
export type Delivery = VerifiedWebhook & { raw: string };

export type Receiver<S extends z.ZodType, R extends object> = {
  /** Its name in webhook_events and webhook_refusals. */
  upstream: string;
  /** The upstream's signing secret (several space-separated during a rotation). */
  secret: (env: Bindings) => string;
  event: S;
  /** The error for a payload the schema refused, in the receiver's words. */
  invalid: (error: z.ZodError, delivery: Delivery) => Error;
  /** What the event does, claim first (webhooks/queries.ts). May refuse (throw) before any database work. */
  effect: (event: z.output<S>, delivery: Delivery) => Effect;
  /** The error for a refusal of the effect. */
  refused: (refusal: Refusal, event: z.output<S>, delivery: Delivery) => Error;
  /** The answer, once the effect committed (or was a duplicate). */
  answer: (c: Context<AppEnv>, result: R, event: z.output<S>, delivery: Delivery) => Response | Promise<Response>;
};

/**
 * What every receiver may answer besides its own refusals, in its error shape: a body over the JSON body
 * limit, the upstream's budget spent (counted only for correctly signed requests), the database down
 * (the upstream redelivers later).
 */
export const receiverLimits = <T extends z.ZodType>(schema: T) => ({
  413: jsonContent(schema, "The body is larger than the JSON body limit"),
  429: rateLimited(schema, "upstream"),
  503: jsonContent(schema, "The ledger database is unreachable; redeliver later"),
});

/** Mounts the receiver as POST / of its surface. */
export function receiveWebhooks<S extends z.ZodType, R extends object>(surface: Surface, receiver: Receiver<S, R>) {
  surface.post("/", async (c: Context<AppEnv>) => {
    const raw = await c.req.text();
    const delivery = { ...verifyWebhook(receiver.secret(c.env), c.req.raw.headers, raw), raw };
    // The upstream's budget counts only requests that carry its valid signature, so unsigned junk cannot
    // use it up: after the one verification, before any parsing or database work.
    await countRequest(c, "service", credentials.upstream(receiver.upstream));
    try {
      const parsed = receiver.event.safeParse(delivery.payload);
      if (!parsed.success) throw receiver.invalid(parsed.error, delivery);
      const event = parsed.data;
      const outcome = await runWrite<R, R>(
        database(c),
        null,
        { ...receiver.effect(event, delivery), rollbackOnRefusal: true },
        { status: 200, render: (result) => result, refused: (refusal) => receiver.refused(refusal, event, delivery) },
      );
      return await receiver.answer(c, outcome.body, event, delivery);
    } catch (err) {
      // A verified event refused for what it says (4xx) is recorded: one more statement, on this path only.
      const refusal = toAppError(err);
      if (refusal.status < 500) {
        await recordRefusal(database(c), {
          upstream: receiver.upstream,
          eventId: delivery.id,
          status: refusal.status,
          reason: refusal.message,
          payload: raw,
        }).catch((e) => console.error(JSON.stringify({ msg: "webhook refusal not recorded", error: String(e) })));
      }
      throw err;
    }
  });
}

/**
 * The refusals a status event shares (crypto, mobile money): no such payment, or a move its lifecycle
 * forbids (logged, with the status it was refused from); anything else is the ledger's own refusal.
 */
export function statusRefusal(
  refusal: Refusal,
  words: {
    /** The log line of a refused move: its `msg` and the ids it names. */
    log: { msg: string } & Record<string, string>;
    to: string;
    notFound: () => AppError;
    illegal: (from: string | undefined) => AppError;
  },
): Error {
  if (refusal.failure === "payment_not_found") return words.notFound();
  if (refusal.failure !== "illegal_transition") return refusalError(refusal);
  const from = "from" in refusal && typeof refusal.from === "string" ? refusal.from : undefined;
  console.warn(JSON.stringify({ ...words.log, from, to: words.to }));
  return words.illegal(from);
}
