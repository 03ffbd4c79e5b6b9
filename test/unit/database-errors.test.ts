// src/lib/errors.ts toAppError: Neon's failures as the driver reports them (@neondatabase/serverless:
// a 400 becomes a NeonDbError with Neon's fields, any other status "Server error (HTTP status N): body"),
// sorted into "retry later" (503) and "internal" (500). The bodies are Neon's (sql_over_http.rs handle).
import { NeonDbError } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import { toAppError } from "../../src/lib/errors";

/** What the driver throws for a 400: a NeonDbError carrying the body's fields. */
function neon400(body: Record<string, string>) {
  const err = new NeonDbError(body.message ?? "");
  Object.assign(err, body);
  return err;
}

/** What the driver throws for any other status. */
const neonStatus = (status: number, body: Record<string, string | null>) =>
  new NeonDbError(`Server error (HTTP status ${status}): ${JSON.stringify(body)}`);

/** As drizzle wraps it. */
const wrapped = (cause: Error) => Object.assign(new Error("Failed query: SELECT 1\nparams: "), { cause });

describe("toAppError on Neon's failures", () => {
  const cases: [string, Error, "unavailable" | "internal"][] = [
    [
      "lost connection (400, connection closed, code '')",
      neon400({ message: "connection closed", code: "" }),
      "unavailable",
    ],
    [
      "socket error (400, error communicating…)",
      neon400({ message: "error communicating with the server: read ECONNRESET", code: "" }),
      "unavailable",
    ],
    [
      "PostgreSQL shutting down under the query (400, 57P01)",
      neon400({ message: "terminating connection due to administrator command", code: "57P01" }),
      "unavailable",
    ],
    [
      "unreachable compute (500, code '')",
      neonStatus(500, { message: "error connecting to server: Connection refused (os error 111)", code: "" }),
      "unavailable",
    ],
    [
      "compute starting up (500, 57P03)",
      neonStatus(500, { message: "the database system is starting up", code: "57P03" }),
      "unavailable",
    ],
    [
      "too many clients (500, 53300)",
      neonStatus(500, { message: "sorry, too many clients already", code: "53300" }),
      "unavailable",
    ],
    ["a gateway in between (502)", new NeonDbError("Server error (HTTP status 502): bad gateway"), "unavailable"],
    [
      "the endpoint unreachable",
      new NeonDbError("Error connecting to database: TypeError: fetch failed"),
      "unavailable",
    ],
    [
      "response too large (507)",
      neonStatus(507, { message: "response is too large (max is 10485760 bytes)", code: "" }),
      "internal",
    ],
    [
      "request too large (413)",
      neonStatus(413, { message: "request is too large (max is 10485760 bytes)", code: "" }),
      "internal",
    ],
    [
      "Neon's internal failure (500, could not parse postgres response)",
      neonStatus(500, { message: "could not parse postgres response", code: "" }),
      "internal",
    ],
    ["a SQL error (400, 22012)", neon400({ message: "division by zero", code: "22012" }), "internal"],
    ["a 400 of another kind with code ''", neon400({ message: "invalid isolation level", code: "" }), "internal"],
  ];
  for (const [name, err, kind] of cases) {
    it(`${name} → ${kind}`, () => {
      expect(toAppError(err).kind).toBe(kind);
      expect(toAppError(wrapped(err)).kind).toBe(kind);
    });
  }
});
