// Demo data for `npm run dev`, created through the real admin API of the running worker.
// API keys are shown only at creation, so the demo ids and key are kept in .data/demo.json, one entry
// per database, and re-used while the key still works.
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "./local-vars.mjs";

/** Returns { workspace_id, account_id, api_key_id, api_key, permissions, operator, reused, rekeyed? }. */
export async function seedDemo({ baseUrl, adminToken, stateFile, databaseLabel }) {
  const demo = await seedDemoData({ baseUrl, adminToken, stateFile, databaseLabel });
  const operator = await firstOperator({ baseUrl, adminToken, stateFile, databaseLabel });
  return { ...demo, operator };
}

/**
 * The first named operator (role admin) for signing in to the back office: made once through the admin
 * API with the bootstrap token, its token kept in .data/demo.json while it still works.
 */
async function firstOperator({ baseUrl, adminToken, stateFile, databaseLabel }) {
  const state = readState(stateFile);
  const previous = state[databaseLabel]?.operator;
  if (previous?.token) {
    const res = await fetch(`${baseUrl}/admin/v1/overview`, { headers: { authorization: `Bearer ${previous.token}` } });
    await res.body?.cancel();
    if (res.status === 200) return previous;
  }
  for (const email of ["admin@example.com", `admin+${Date.now()}@example.com`]) {
    const res = await fetch(`${baseUrl}/admin/v1/operators`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ email, role: "admin" }),
    });
    if (res.status === 409) continue;
    const made = /** @type {any} */ (await res.json());
    if (res.status !== 201) throw new Error(`POST /admin/v1/operators answered ${res.status}: ${JSON.stringify(made)}`);
    const operator = { id: made.id, email: made.email, role: made.role, token: made.token };
    const next = readState(stateFile);
    next[databaseLabel] = { ...next[databaseLabel], operator };
    fs.writeFileSync(stateFile, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    return operator;
  }
  throw new Error("cannot create the first operator");
}

async function seedDemoData({ baseUrl, adminToken, stateFile, databaseLabel }) {
  const state = readState(stateFile);
  const previous = state[databaseLabel];
  const save = (demo) => {
    state[databaseLabel] = { ...state[databaseLabel], ...demo };
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    fs.writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  };
  const admin = async (method, route, body, headers = {}) => {
    const res = await fetch(`${baseUrl}/admin/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /admin/v1${route} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const permissions = await allPermissions(baseUrl);

  if (previous?.api_key && (await keyWorks(baseUrl, previous.api_key))) {
    const missing = permissions.filter((p) => !previous.permissions?.includes(p));
    if (missing.length === 0) return { ...previous, reused: true };
    // Permissions added since the demo key was made: a new key for the same account, the old one revoked.
    const key = await admin("POST", `/workspaces/${previous.workspace_id}/api-keys`, {
      account_id: previous.account_id,
      permissions,
    });
    await admin("DELETE", `/api-keys/${previous.api_key_id}`);
    const demo = { ...previous, api_key_id: key.id, api_key: key.key, permissions: key.permissions };
    save(demo);
    return { ...demo, reused: true, rekeyed: true };
  }

  const workspace = await admin("POST", "/workspaces", { name: "Demo workspace" });
  const account = await admin("POST", `/workspaces/${workspace.id}/accounts`, { currency: "EUR" });
  await admin(
    "POST",
    `/accounts/${account.id}/adjustments`,
    { amount: "100.00", description: "Demo opening balance" },
    { "idempotency-key": `demo-seed-${account.id}` },
  );
  const key = await admin("POST", `/workspaces/${workspace.id}/api-keys`, {
    account_id: account.id,
    permissions,
  });
  const demo = {
    workspace_id: workspace.id,
    account_id: account.id,
    api_key_id: key.id,
    api_key: key.key,
    permissions: key.permissions,
    created_at: new Date().toISOString(),
  };
  save(demo);
  return { ...demo, reused: false };
}

function readState(file) {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

async function keyWorks(baseUrl, apiKey) {
  const res = await fetch(`${baseUrl}/api/v1/user/balance`, { headers: { "x-api-key": apiKey } });
  await res.body?.cancel();
  return res.status === 200;
}

/** Every permission the admin API accepts: its OpenAPI document, else the list in the source. */
export async function allPermissions(baseUrl) {
  try {
    const doc = /** @type {any} */ (await (await fetch(`${baseUrl}/openapi.json`)).json());
    const schema =
      doc.paths["/admin/v1/workspaces/{workspace_id}/api-keys"].post.requestBody.content["application/json"].schema;
    const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split("/").pop()] : schema;
    const permissions = resolved.properties.permissions.items.enum;
    if (Array.isArray(permissions) && permissions.length > 0) return permissions;
  } catch {
    // fall through to the source
  }
  const source = fs.readFileSync(path.join(projectRoot, "src/auth/api-keys.ts"), "utf8");
  const list = /API_KEY_PERMISSIONS\s*=\s*\[([^\]]*)\]/.exec(source)?.[1] ?? "";
  const permissions = [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  if (permissions.length === 0) throw new Error("cannot determine the API key permissions");
  return permissions;
}
