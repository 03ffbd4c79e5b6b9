// A WebSocket-to-TCP tunnel speaking the protocol @neondatabase/serverless expects from a proxy:
// the client opens ws://host:port/v2?address=<pg-host>:<pg-port> and every binary message is
// raw Postgres wire protocol. Local development and tests only; Neon runs its own in production.
import { createRequire } from "node:module";
import net from "node:net";

// Plain Node resolution: bundlers that prefer "browser" conditions would pick ws's client stub.
const { WebSocketServer } = createRequire(import.meta.url)("ws");

/** Starts the proxy; resolves with { port, close() }. Only loopback targets are allowed. */
export function startWsProxy({ port = 0, host = "127.0.0.1" } = {}) {
  const wss = new WebSocketServer({ port, host, perMessageDeflate: false });
  wss.on("connection", (ws, req) => {
    const address = new URL(req.url ?? "/", "http://proxy").searchParams.get("address") ?? "";
    const [targetHost, targetPort] = address.split(":");
    if (!["localhost", "127.0.0.1", "::1"].includes(targetHost ?? "") || !targetPort) {
      ws.close(1008, "address not allowed");
      return;
    }
    const socket = net.connect({ host: "127.0.0.1", port: Number(targetPort) });
    socket.setNoDelay(true);
    const pending = [];
    socket.on("connect", () => {
      for (const chunk of pending.splice(0)) socket.write(chunk);
    });
    ws.on("message", (data) => {
      const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (socket.connecting) pending.push(chunk);
      else socket.write(chunk);
    });
    socket.on("data", (chunk) => {
      if (ws.readyState === ws.OPEN) ws.send(chunk);
    });
    const closeBoth = () => {
      socket.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    };
    socket.on("error", closeBoth);
    socket.on("close", closeBoth);
    ws.on("close", closeBoth);
    ws.on("error", closeBoth);
  });
  return new Promise((resolve, reject) => {
    wss.once("error", reject);
    wss.once("listening", () => {
      const addr = wss.address();
      resolve({
        port: typeof addr === "object" && addr ? addr.port : port,
        close: () =>
          new Promise((done) => {
            for (const client of wss.clients) client.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}
