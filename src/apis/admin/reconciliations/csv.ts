// The CSV export of a reconciliation's items (all, or one bucket): RFC 4180, streamed one keyset page
// per statement, so memory stays flat whatever the report held.
import type { Database } from "../../../db/client";
import { csvField } from "../entries/csv";
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

const csvLine = (i: ItemRow, render: (i: ItemRow) => ItemRow) => {
  const r = render(i);
  return `${[
    csvField(r.id),
    csvField(r.bucket),
    csvField(r.key, { text: true }),
    csvField(r.line),
    csvField(r.currency),
    csvField(r.report_amount),
    csvField(r.fee),
    csvField(r.ledger_amount),
    csvField(r.account_id),
    csvField(r.resolution?.action ?? null),
    csvField(r.resolution?.note ?? null, { text: true }),
    csvField(r.resolution?.actor ?? null, { text: true }),
    csvField(r.settled_transaction_id),
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
