import type { Bindings } from "../env";

const seconds = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

/** A monitor-written gateway state not confirmed for this long counts as unknown. */
export const gatewayStatusMaxAge = (env: Pick<Bindings, "GATEWAY_STATUS_MAX_AGE_SECONDS">) =>
  seconds(env.GATEWAY_STATUS_MAX_AGE_SECONDS, 600);

/** No gateway event for this long while the health probe passes makes the gateway `partial`. */
export const gatewayEventsStaleAfter = (env: Pick<Bindings, "SMS_GATEWAY_STALE_EVENTS_SECONDS">) =>
  seconds(env.SMS_GATEWAY_STALE_EVENTS_SECONDS, 900);
