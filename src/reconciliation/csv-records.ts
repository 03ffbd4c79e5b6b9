// Streams RFC 4180 records out of a request body without holding the file: fields split on commas,
// quoted fields may hold commas, quotes ("") and line breaks; CRLF or LF line ends; a leading BOM is
// dropped; blank lines are skipped. Each record carries the physical line number it starts on (the
// header is line 1).

export type CsvRecord = { line: number; fields: string[] };

/** The body is larger than the import accepts. */
export class CsvTooLarge extends Error {}
/** The body is not CSV at all (an unclosed quote, an endless line): the line it happened on. */
export class CsvBroken extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

type State = "start" | "unquoted" | "quoted" | "quote_in_quoted";

/** Records of the body, in order. */
export async function* csvRecords(
  body: ReadableStream<Uint8Array>,
  limits: { maxBytes: number; maxRecordChars: number },
): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder("utf-8");
  let bytes = 0;
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = "";
  let chars = 0;
  let state: State = "start";
  let pendingCR = false;

  const take = (): CsvRecord | null => {
    const blank = fields.length === 0 && field === "" && state === "start";
    fields.push(field);
    const record = { line: recordLine, fields };
    fields = [];
    field = "";
    chars = 0;
    state = "start";
    return blank ? null : record;
  };

  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (value) {
      bytes += value.byteLength;
      if (bytes > limits.maxBytes) {
        await reader.cancel();
        throw new CsvTooLarge(`the report is larger than ${limits.maxBytes} bytes`);
      }
    }
    const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
    for (const ch of text) {
      if (pendingCR) {
        pendingCR = false;
        if (ch === "\n") continue;
      }
      if (++chars > limits.maxRecordChars) {
        throw new CsvBroken(recordLine, `the line is longer than ${limits.maxRecordChars} characters`);
      }
      const newline = ch === "\r" || ch === "\n";
      if (ch === "\r") pendingCR = true;
      if (state === "quoted") {
        if (ch === '"') state = "quote_in_quoted";
        else {
          field += ch;
          if (newline) line++;
        }
        continue;
      }
      if (state === "quote_in_quoted" && ch === '"') {
        field += '"';
        state = "quoted";
        continue;
      }
      if (ch === ",") {
        fields.push(field);
        field = "";
        state = "start";
      } else if (newline) {
        const record = take();
        line++;
        recordLine = line;
        if (record) yield record;
      } else if (state === "start" && ch === '"') {
        state = "quoted";
      } else {
        field += ch;
        state = "unquoted";
      }
    }
    if (done) break;
  }
  if (state === "quoted") throw new CsvBroken(recordLine, "a quoted field is not closed");
  const last = take();
  if (last) yield last;
}
