// The CSV export of an account's entries: RFC 4180 text (text fields always quoted, formula starts
// neutralised), exact decimals in the currency's minor units
// (never rounded), streamed chunk by chunk, each chunk one keyset
// page of the same statement as the entries list, so memory stays flat whatever the period holds.
import type { Database } from "../../../db/client";
import type { EntryFilter } from "../../../ledger/queries";
import { decimalForCurrency } from "../../../lib/money";
import { type AdminEntryRow, listEntries } from "./queries";

/** Rows per statement while the export streams (the query-plan test checks this size). */
export const CSV_CHUNK_ROWS = 500;

export const CSV_HEADER = ["id", "occurred_at", "source", "type", "description", "amount", "currency", "balance_after"];

/**
 * A formula character (= + - @, tab, CR) at the start of a cell or right after a separator (, ; tab): a
 * spreadsheet splitting on that separator (Excel in ";" locales splits on ";") would see a formula there.
 */
const FORMULA_START = /(^|[,;\t])(?=[=+\-@\t\r])/g;

/** A text field: always quoted, and an apostrophe before every place a formula could start. */
export function csvText(value: string | null): string {
  const s = (value ?? "").replace(FORMULA_START, "$1'");
  return `"${s.replace(/"/g, '""')}"`;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A number field (ids, amounts): plain digits, never text, so a spreadsheet reads it as the number it is. */
export function csvNumber(value: string | number): string {
  const s = String(value);
  if (!DECIMAL.test(s)) throw new Error(`CSV number field holds ${JSON.stringify(s.slice(0, 40))}`);
  return s;
}

const csvLine = (e: AdminEntryRow) =>
  `${[
    csvNumber(e.id),
    csvText(e.occurred_at),
    csvText(e.source),
    csvText(e.type),
    csvText(e.description),
    csvNumber(decimalForCurrency(e.amount, e.currency)),
    csvText(e.currency),
    csvNumber(decimalForCurrency(e.balance_after, e.currency)),
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
