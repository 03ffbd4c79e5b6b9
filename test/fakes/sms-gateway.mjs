// A fake SMS gateway health endpoint speaking plain HTTP, for the monitor's tests. It is outside our
// system (like the real gateway). Tests steer it with POST /__mode {"mode": "..."}:
//   ok → 200 {"status":"ok"}; degraded → 200 {"status":"degraded"}; error → 503; garbage → 200 non-JSON;
//   hang → never answers (the monitor's timeout must fire).
import http from "node:http";

export function startFakeSmsGateway(port) {
  let mode = "ok";
  const server = http.createServer((req, res) => {
    if (req.method === "POST" && req.url === "/__mode") {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        mode = JSON.parse(body).mode;
        res.writeHead(204).end();
      });
      return;
    }
    if (req.url !== "/health") return res.writeHead(404).end();
    if (mode === "hang") return; // no answer at all
    if (mode === "error") return res.writeHead(503, { "content-type": "application/json" }).end('{"status":"down"}');
    if (mode === "garbage") return res.writeHead(200, { "content-type": "text/plain" }).end("fine, thanks");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: mode }));
  });
  return new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () =>
      resolve({
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    ),
  );
}
