// The streamed import of a settlement report: records are read from the body as it arrives, checked
// line by line, and staged in bounded batches (each statement far under Neon's 10 MiB request cap) under
// an `importing` reconciliation nobody can see; the final statement buckets and opens it. A malformed
// file stages nothing more, drops what was staged and answers 400 naming its bad lines. An import whose
// Worker dies mid-stream stays `importing` and the scheduled job purges it.
import type { Database } from "../../../db/client";
import type { Upstream } from "../../../ledger/posting";
import { sha256Hex } from "../../../lib/crypto";
import { AppError } from "../../../lib/errors";
import { CsvBroken, CsvTooLarge, csvRecords } from "../../../reconciliation/csv-records";
import { checkLine, headerProblems, REPORT_FORMATS, type StagedLine } from "../../../reconciliation/formats";
import type { AuditMeta } from "../audit/record";
import { dropImport, openImport, type ReconciliationRow, stageLines, startImport } from "./queries";

/** Largest report accepted, in bytes (a 100,000-line report is about 8 MB). */
export const MAX_REPORT_BYTES = 32 * 1024 * 1024;
export const MAX_REPORT_LINES = 200_000;
/** A staged batch ends at this many lines or this many characters of lines: one statement stays far under Neon's 10 MiB. */
export const BATCH_LINES = 2_000;
const BATCH_CHARS = 2_000_000;
/** Longest line (a 1:N key field of many references). */
const MAX_LINE_CHARS = 100_000;
/** Bad lines named in a 400. */
export const MAX_NAMED_PROBLEMS = 100;

export type ImportRequest = { upstream: Upstream; currency: string; from: string; to: string; actor: string };

/** Imports the body; answers the reconciliation and whether it was an earlier import of the same file. */
export async function importReport(
  db: Database,
  req: ImportRequest,
  meta: AuditMeta,
  body: ReadableStream<Uint8Array> | null,
): Promise<{ existing: boolean; reconciliation: ReconciliationRow }> {
  if (!body) throw new AppError("bad_request", "the report is empty: send the CSV as the body");
  const format = REPORT_FORMATS[req.upstream];
  const problems: Record<string, string[]> = {};
  let named = 0;
  let badLines = 0;
  const complain = (line: number, column: string, problem: string) => {
    if (named >= MAX_NAMED_PROBLEMS) return;
    named++;
    const key = `line ${line}`;
    problems[key] = [...(problems[key] ?? []), `${column}: ${problem}`];
  };

  let id: string | null = null;
  let batch: StagedLine[] = [];
  let batchChars = 0;
  let digest = await sha256Hex(`${req.upstream}\n${req.currency}`);
  let lines = 0;
  let sawHeader = false;

  const flush = async () => {
    if (batch.length === 0) return;
    digest = await sha256Hex(`${digest}\n${JSON.stringify(batch.map(({ line_no, ...l }) => l))}`);
    if (badLines === 0) {
      id ??= await startImport(db, req);
      if (!id)
        throw new AppError("bad_request", `currency: unknown currency ${req.currency}`, { currency: ["unknown"] });
      await stageLines(db, id, batch);
    }
    batch = [];
    batchChars = 0;
  };

  try {
    for await (const record of csvRecords(body, { maxBytes: MAX_REPORT_BYTES, maxRecordChars: MAX_LINE_CHARS })) {
      if (!sawHeader) {
        sawHeader = true;
        for (const p of headerProblems(format, record.fields)) complain(record.line, p.column, p.problem);
        if (named > 0) break;
        continue;
      }
      if (++lines > MAX_REPORT_LINES) {
        throw new AppError("payload_too_large", `the report has more than ${MAX_REPORT_LINES} lines`);
      }
      const checked = checkLine(format, req.currency, record.line, record.fields);
      if ("problems" in checked) {
        badLines++;
        for (const p of checked.problems) complain(record.line, p.column, p.problem);
        if (named >= MAX_NAMED_PROBLEMS) break;
        continue;
      }
      if (badLines === 0) {
        batch.push(checked.row);
        batchChars += 2 * checked.row.key_field.length + 100;
        if (batch.length >= BATCH_LINES || batchChars >= BATCH_CHARS) await flush();
      }
    }
    if (!sawHeader) throw new AppError("bad_request", "the report is empty: it needs a header row and lines");
    if (named > 0) {
      throw new AppError("bad_request", `the report is malformed (${badLines || 1} bad line(s) named)`, problems);
    }
    if (lines === 0) throw new AppError("bad_request", "the report has a header and no lines");
    await flush();
    if (!id) throw new Error("an import with lines has no reconciliation");
    return await openImport(db, meta, {
      reconciliationId: id,
      upstream: req.upstream,
      currency: req.currency,
      sha256: digest,
    });
  } catch (err) {
    if (id) await dropImport(db, id);
    if (err instanceof CsvTooLarge) throw new AppError("payload_too_large", err.message);
    if (err instanceof CsvBroken) {
      throw new AppError("bad_request", `the report is malformed: line ${err.line}: ${err.message}`, {
        [`line ${err.line}`]: [err.message],
      });
    }
    throw err;
  }
}
