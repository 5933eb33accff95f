// POST /workflow/cancel and /workflow/terminate against a fake NodeApi: what NodeApi receives,
// the exact JSON that comes back, bad input (400 naming the field, NodeApi never called), the
// node's refusals as statuses, and the error code a wait now carries.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { FakeNodeApi } from "../../../test/contracts/fake-node-api.ts";
import { createLogger, RaftoralError } from "../../lib/index.ts";
import { HttpTransportServer } from "./http-transport-server.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const api = new FakeNodeApi();
const server = new HttpTransportServer({ logger });
let base = "";

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  base = `http://127.0.0.1:${port}`;
});

afterEach(() => api.reset());

afterAll(async () => {
  await server.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe("POST /workflow/cancel and /workflow/terminate", () => {
  test("cancel answers where the workflow is, its status and whether it was a repeat", async () => {
    const { status, body } = await post("/workflow/cancel", { workflow_id: "order-1" });
    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      workflow_id: "order-1",
      execution_cluster_id: "1",
      status: "running",
      duplicate: false,
      error: null,
    });
    expect(api.lastCall("cancelWorkflow").request).toEqual({ workflowId: "order-1" });
  });

  test("terminate passes the cluster (text or number) and the reason", async () => {
    const body = { workflow_id: "w", execution_cluster_id: 2, reason: "stuck" };
    const answered = await post("/workflow/terminate", body);
    expect(answered.body).toMatchObject({ status: "terminated", duplicate: false });
    expect(api.lastCall("terminateWorkflow").request).toEqual({
      workflowId: "w",
      executionClusterId: 2,
      reason: "stuck",
    });
  });

  test.each([
    ["/workflow/cancel", { reason: "x" }, "'workflow_id'"],
    ["/workflow/terminate", { workflow_id: "" }, "'workflow_id'"],
    ["/workflow/cancel", { workflow_id: "w", reason: 5 }, "field 'reason' must be a string"],
    ["/workflow/terminate", { workflow_id: "w", execution_cluster_id: [] }, "execution_cluster_id"],
    ["/workflow/cancel", ["w"], "must be a JSON object"],
  ])("%s with %j is a 400 naming %s", async (path, body, hint) => {
    const answered = await post(path, body);
    expect(answered.status).toBe(400);
    expect(JSON.stringify(answered.body)).toContain(hint);
    expect(answered.body).toMatchObject({ success: false, code: "INVALID_ARGUMENT", status: null });
    expect(api.callsOf("cancelWorkflow")).toEqual([]);
    expect(api.callsOf("terminateWorkflow")).toEqual([]);
  });

  test("an unknown workflow is a 404, a finished one a 409 (FAILED_PRECONDITION)", async () => {
    api.script.cancelWorkflow = async () => {
      throw new RaftoralError("NOT_FOUND", "workflow nobody is not known to any execution cluster");
    };
    const unknown = await post("/workflow/cancel", { workflow_id: "nobody" });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ success: false, code: "NOT_FOUND", workflow_id: null });
    api.script.terminateWorkflow = async () => {
      throw new RaftoralError("FAILED_PRECONDITION", "workflow w already completed");
    };
    const finished = await post("/workflow/terminate", { workflow_id: "w" });
    expect(finished.body).toMatchObject({
      success: false,
      code: "FAILED_PRECONDITION",
      error: "workflow w already completed",
    });
    expect(finished.status).toBe(409);
  });

  test("GET /workflow/wait of a cancelled workflow carries its error code", async () => {
    api.script.waitWorkflow = async () => ({
      success: false,
      failure: { name: "CancelledError", message: "workflow w was cancelled", code: "CANCELLED" },
    });
    const response = await fetch(`${base}/workflow/wait?workflow_id=w`);
    expect(await response.json()).toEqual({
      success: false,
      result: null,
      error: "workflow w was cancelled",
      error_code: "CANCELLED",
      error_name: "CancelledError",
    });
  });
});
