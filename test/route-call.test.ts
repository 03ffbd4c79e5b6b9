// callRoute (route-call.ts) itself: a typed answer, a wrong status and an undocumented one fail the test
// that got them, with the status and body in the message.
import { describe, expect, it } from "vitest";
import { MAX_JSON_BODY_BYTES } from "../src/app";
import { ADMIN, adminCall, callRoute, callRouteUnchecked, expectStatus, routes } from "./helpers";

describe("callRoute", () => {
  it("answers the route's JSON for the status it got, with the path built from the route", async () => {
    const made = expectStatus(await adminCall(routes.workspaces.createWorkspace, { json: { name: "Typed" } }), 201);
    expect(made.name).toBe("Typed");
    const read = await adminCall(routes.workspaces.getWorkspace, { params: { workspace_id: made.id } });
    expect(expectStatus(read, 200)).toMatchObject({ id: made.id, name: "Typed", members: [] });
  });

  it("fails expectStatus with the status and body it got", async () => {
    const res = await callRoute(routes.workspaces.createWorkspace, { json: { name: "No token" } });
    expect(res.status).toBe(401);
    expect(() => expectStatus(res, 201)).toThrow(`expected 201, got 401: ${res.text}`);
  });

  it("fails a status the route does not document", async () => {
    // The route as if it documented only its 201: the 400 a nameless workspace gets is then undocumented.
    const only201 = {
      ...routes.workspaces.createWorkspace,
      responses: { 201: routes.workspaces.createWorkspace.responses[201] },
    };
    await expect(callRouteUnchecked(only201, { body: JSON.stringify({}) }, ADMIN)).rejects.toThrow(
      /^POST \/admin\/v1\/workspaces \(createWorkspace\) answered 400, an undocumented status: /,
    );
  });

  it("documents the 413 of the JSON body limit on a route with a body", async () => {
    const huge = JSON.stringify({ name: "x".repeat(70_000) });
    const res = await callRouteUnchecked(routes.workspaces.createWorkspace, { body: huge }, ADMIN);
    expect(expectStatus(res, 413)).toEqual({
      error: { code: "payload_too_large", message: `Request body larger than ${MAX_JSON_BODY_BYTES} bytes` },
    });
  });
});
