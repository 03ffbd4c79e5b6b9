// A Node-side PostgreSQL session for the hot-spot test: it posts through ledger_post in a transaction it
// keeps open (holding the customer account's row lock and a system balance slot), so a test can show that
// a posting of another account through the same upstream completes meanwhile, and read pg_locks.
//   POST /hold {"account_id","amount","counter"} → posts, keeps the transaction open, answers {pid, entry}
//   GET /locks → the held session's granted locks and every ungranted lock in the database
//   POST /hold-counter {"counter","owner_id"} → locks every row of that list counter (FOR UPDATE), keeps
//     the transaction open, answers {pid, rows}: a writer of the same counter must then not wait
//   POST /release → ROLLBACK
import http from "node:http";
import pg from "pg";

export function startHeldPosting(port, databaseUrl) {
  /** @type {pg.Client | undefined} */
  let held;
  let heldPid = 0;
  const json = (res, status, body) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const server = http.createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    try {
      if (req.method === "POST" && req.url === "/hold") {
        const { account_id, amount, counter } = JSON.parse(text);
        held = new pg.Client({ connectionString: databaseUrl });
        await held.connect();
        await held.query("BEGIN");
        const { rows } = await held.query(
          "SELECT pg_backend_pid() AS pid, ledger_post(p_account_id => $1, p_amount => $2, p_counter => $3, p_source => 'sms_gateway', p_type => 'deposit') AS entry",
          [account_id, amount, counter],
        );
        heldPid = rows[0].pid;
        return json(res, 200, rows[0]);
      }
      if (req.method === "POST" && req.url === "/hold-counter") {
        const { counter, owner_id } = JSON.parse(text);
        held = new pg.Client({ connectionString: databaseUrl });
        await held.connect();
        await held.query("BEGIN");
        const { rows } = await held.query(
          "SELECT pg_backend_pid() AS pid, count(*)::int AS rows FROM (SELECT id FROM list_counts WHERE counter = $1 AND owner_id = $2 FOR UPDATE) held",
          [counter, owner_id],
        );
        heldPid = rows[0].pid;
        return json(res, 200, rows[0]);
      }
      if (req.method === "GET" && req.url === "/locks") {
        const probe = new pg.Client({ connectionString: databaseUrl });
        await probe.connect();
        try {
          const { rows } = await probe.query(
            `
            SELECT l.pid, l.locktype, c.relname, l.mode, l.granted
            FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
            WHERE l.pid = $1 OR NOT l.granted ORDER BY l.granted, c.relname, l.mode`,
            [heldPid],
          );
          return json(res, 200, rows);
        } finally {
          await probe.end();
        }
      }
      if (req.method === "POST" && req.url === "/release") {
        if (held) {
          await held.query("ROLLBACK");
          await held.end();
          held = undefined;
        }
        return json(res, 200, {});
      }
      json(res, 404, {});
    } catch (err) {
      json(res, 500, { error: String(err) });
    }
  });
  return new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () =>
      resolve({
        close: async () => {
          if (held) await held.end().catch(() => {});
          await new Promise((r) => server.close(r));
        },
      }),
    ),
  );
}
