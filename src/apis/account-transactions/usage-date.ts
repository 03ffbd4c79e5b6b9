// The `date` of a usage record. The spec's own example is "2010-01-01 00.00:00", so besides ISO 8601
// the time parts may be separated by "." as well as ":", and a date-time without offset is UTC.

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d{1,9}))?)?(?:\s?(Z|[+-]\d{2}(?::?\d{2})?))?)?$/i;

/** Oldest and newest instants accepted: keeps every value a plain 4-digit-year ISO string. */
const MIN_INSTANT = Date.UTC(1900, 0, 1);
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The instant written in `text`, or null when it is not a (possible) date-time. */
export function parseUsageDate(text: string): Date | null {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const midnight = new Date(Date.UTC(2000, month - 1, day));
  midnight.setUTCFullYear(year);
  if (midnight.getUTCDate() !== day) return null; // 2023-02-30 and the like
  let instant =
    midnight.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + Number(frac.padEnd(3, "0").slice(0, 3));
  if (offset && offset.toUpperCase() !== "Z") {
    const [, sign, oh, om = "0"] = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset) ?? [];
    if (Number(oh) > 23 || Number(om) > 59) return null;
    instant -= (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  }
  if (instant < MIN_INSTANT || instant > MAX_INSTANT) return null;
  return new Date(instant);
}
