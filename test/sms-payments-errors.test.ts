// Spec 003: server errors (database down, 500) in the surface's shape, and the OpenAPI document.
import { describe, expect, it } from "vitest";
import { renderWorkspaceError } from "../src/apis/sms-payments";
import { AppError } from "../src/lib/errors";
import { fetchWithDatabaseDown } from "./fixtures/database-down";
import { base, bearer, workspace } from "./fixtures/sms-payments";
import { openApiDocument } from "./openapi-doc";

// ---------- errors with the database down, and the documentation ----------

describe("server errors and documentation", () => {
  it("answers 503 with a requestId and no internals when the database is unreachable", async () => {
    const w = await workspace();
    const res = await fetchWithDatabaseDown(
      new Request(`https://api.test${base(w.id)}`, { headers: bearer(w.owner.token) }),
    );
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { requestId: string } };
    expect(body).toEqual({
      error: {
        code: "unavailable",
        message: "Service temporarily unavailable, retry later",
        requestId: expect.any(String),
      },
    });
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("renders 500 with a requestId and only a generic message", () => {
    expect(renderWorkspaceError(new AppError("internal", "Internal server error"), "req-1")).toEqual({
      error: { code: "internal", message: "Internal server error", requestId: "req-1" },
    });
    expect(renderWorkspaceError(new AppError("forbidden", "no"), "req-2")).toEqual({
      error: { code: "forbidden", message: "no" },
    });
  });

  it("documents the routes, the bearer scheme and the error body in /openapi.json", async () => {
    const doc = await openApiDocument();
    const path = "/api/v1/workspace/{workspaceId}/sms/payments";
    expect(Object.keys(doc.paths[path]!).sort()).toEqual(["get", "post"]);
    expect(doc.paths[`${path}/{id}`]!.delete).toBeDefined();
    expect(doc.paths[`${path}/{id}/receipt`]!.get).toBeDefined();
    expect(doc.paths[path]!.post!.requestBody!.content["multipart/form-data"]).toBeDefined();
    expect(doc.paths[path]!.get!.responses["400"]!.content!["application/json"]!.schema!.$ref).toBe(
      "#/components/schemas/WorkspaceApiError",
    );
    expect(doc.components.securitySchemes.workspaceBearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.paths["/admin/v1/workspaces/{workspace_id}/members"]!.post).toBeDefined();
    expect(Object.keys(doc.paths["/admin/v1/members/{member_id}/tokens"]!).sort()).toEqual(["delete", "post"]);
  });
});
