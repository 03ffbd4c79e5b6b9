// The CSV export of a reconciliation's items (all, or one bucket): RFC 4180, streamed one keyset page
// per statement, so memory stays flat whatever the report held.
import type { Database } from "../../../db/client";
import { csvNumber, csvText } from "../entries/csv";
import { type ItemRow, listItems } from "./queries";

const CHUNK = 1_000;

export const ITEMS_CSV_HEADER = [
  "id",
  "bucket",
  "key",
  "line",
  "currency",
  "report_amount",
  "fee",
  "ledger_amount",
  "account_id",
  "resolution",
  "note",
  "resolved_by",
  "settled_transaction_id",
];

/** A number field, empty when there is none. */
const num = (v: string | number | null) => (v === null ? "" : csvNumber(v));

const csvLine = (i: ItemRow, render: (i: ItemRow) => ItemRow) => {
  const r = render(i);
  return `${[
    csvNumber(r.id),
    csvText(r.bucket),
    csvText(r.key),
    num(r.line),
    csvText(r.currency),
    num(r.report_amount),
    num(r.fee),
    num(r.ledger_amount),
    csvText(r.account_id),
    csvText(r.resolution?.action ?? null),
    csvText(r.resolution?.note ?? null),
    csvText(r.resolution?.actor ?? null),
    num(r.settled_transaction_id),
  ].join(",")}\r\n`;
};

/** The CSV body, or null when there is no such reconciliation (read before answering, so that is a 404). */
export async function itemsCsv(
  db: Database,
  q: { reconciliationId: string; bucket?: string },
  render: (i: ItemRow) => ItemRow,
): Promise<ReadableStream<Uint8Array> | null> {
  const first = await listItems(db, { ...q, limit: CHUNK });
  if (!first.found) return null;
  const encoder = new TextEncoder();
  let rows = first.items;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!headerSent) {
          headerSent = true;
          const lines = rows.map((i) => csvLine(i, render)).join("");
          controller.enqueue(encoder.encode(`${ITEMS_CSV_HEADER.join(",")}\r\n${lines}`));
        } else {
          const last = rows.at(-1);
          rows = last ? (await listItems(db, { ...q, afterId: last.id, limit: CHUNK })).items : [];
          if (rows.length > 0) controller.enqueue(encoder.encode(rows.map((i) => csvLine(i, render)).join("")));
        }
        if (rows.length < CHUNK) controller.close();
      } catch (err) {
        controller.error(err);
      }
    },
  });
}
