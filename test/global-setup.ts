// Runs in Node before the workerd test pool: a throwaway PostgreSQL cluster (unless
// TEST_DATABASE_URL points at one), the migrations, and the local Neon HTTP endpoint the worker queries.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runMigrations } from "../scripts/lib/migrate.mjs";
import { startNeonHttpEndpoint } from "../scripts/lib/neon-http-endpoint.mjs";
import { startCluster } from "../scripts/lib/postgres.mjs";
import { startHeldPosting } from "./fakes/held-posting.mjs";
import { startFakeSmsGateway } from "./fakes/sms-gateway.mjs";

export default async function setup() {
  const external = process.env.TEST_DATABASE_URL;
  let stopCluster = () => {};
  let url: string = external ?? "";
  if (!external) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "payments-edge-test-"));
    fs.chmodSync(dir, 0o755);
    const cluster = await startCluster({
      dir: path.join(dir, "pg"),
      port: Number(process.env.TEST_PG_PORT),
      database: "payments_test",
    });
    url = cluster.url;
    stopCluster = () => {
      cluster.stop("immediate");
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  try {
    await runMigrations(url);
  } catch (err) {
    stopCluster();
    throw err;
  }
  // `faults`: the tests inject Neon's failures through POST /faults (never on in `npm run dev`).
  const endpoint = await startNeonHttpEndpoint({ port: Number(process.env.TEST_NEON_HTTP_PORT), faults: true });
  const fakeGateway = await startFakeSmsGateway(Number(process.env.TEST_FAKE_GATEWAY_PORT));
  const heldPosting = await startHeldPosting(Number(process.env.TEST_HELD_POSTING_PORT), url);
  return async () => {
    await heldPosting.close();
    await fakeGateway.close();
    await endpoint.close();
    stopCluster();
  };
}
