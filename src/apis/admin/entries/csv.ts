// The CSV export of an account's entries: RFC 4180 text, exact decimals in the currency's minor units
// (never rounded), streamed chunk by chunk, each chunk one keyset
// page of the same statement as the entries list, so memory stays flat whatever the period holds.
import type { Database } from "../../../db/client";
import type { EntryFilter } from "../../../ledger/queries";
import { decimalForCurrency } from "../../../lib/money";
import { type AdminEntryRow, listEntries } from "./queries";

/** Rows per statement while the export streams (the query-plan test checks this size). */
export const CSV_CHUNK_ROWS = 500;

export const CSV_HEADER = ["id", "occurred_at", "source", "type", "description", "amount", "currency", "balance_after"];

/** One CSV field: quoted when it holds a comma, quote or line break; text that a spreadsheet would run
 * as a formula (= + - @ first) gets a leading apostrophe. */
export function csvField(value: string | number | null, { text = false } = {}): string {
  let s = value === null ? "" : String(value);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const csvLine = (e: AdminEntryRow) =>
  `${[
    csvField(e.id),
    csvField(e.occurred_at),
    csvField(e.source),
    csvField(e.type),
    csvField(e.description, { text: true }),
    csvField(decimalForCurrency(e.amount, e.currency)),
    csvField(e.currency),
    csvField(decimalForCurrency(e.balance_after, e.currency)),
  ].join(",")}\r\n`;

/**
 * The CSV body, or null when the account does not exist. The first chunk is read before answering (so
 * a missing account is a 404, not a broken download); each later chunk is one keyset statement over
 * the HTTP driver, read as the client pulls.
 */
export async function entriesCsv(db: Database, filter: EntryFilter): Promise<ReadableStream<Uint8Array> | null> {
  const first = await listEntries(db, filter, CSV_CHUNK_ROWS);
  if (!first.found) return null;
  const encoder = new TextEncoder();
  let rows = first.rows;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(`${CSV_HEADER.join(",")}\r\n${rows.map(csvLine).join("")}`));
        } else {
          const last = rows.at(-1);
          rows = last ? (await listEntries(db, { ...filter, beforeSeq: last.seq }, CSV_CHUNK_ROWS)).rows : [];
          if (rows.length > 0) controller.enqueue(encoder.encode(rows.map(csvLine).join("")));
        }
        if (rows.length < CSV_CHUNK_ROWS) controller.close();
      } catch (err) {
        controller.error(err);
      }
    },
  });
}
