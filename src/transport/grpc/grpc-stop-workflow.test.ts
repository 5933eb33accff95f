// WorkflowManagement/CancelWorkflow and TerminateWorkflow of GrpcTransportServer against a
// fake NodeApi, called with @grpc/grpc-js (which reads proto/raftoral.proto itself, so the
// new messages' field names and numbers are checked independently): what NodeApi receives,
// the exact reply, bad input, and how the node's refusals become statuses. Also the error
// code a wait now carries.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { FakeNodeApi } from "../../../test/contracts/fake-node-api.ts";
import {
  loadDefinition,
  methodOf,
  type UnaryOutcome,
  unaryCall,
} from "../../../test/interop/harness.ts";
import { createLogger, RaftoralError } from "../../lib/index.ts";
import { GrpcTransportServer } from "./grpc-transport-server.ts";

const definition = loadDefinition();
const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const api = new FakeNodeApi();
const server = new GrpcTransportServer({ logger, closeGraceMs: 50, inputBytesMax: 1024 });
let client: grpc.Client;

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterEach(() => api.reset());

afterAll(async () => {
  client.close();
  await server.close();
});

function call(method: string, request: object): Promise<UnaryOutcome<Record<string, unknown>>> {
  return unaryCall(client, methodOf(definition, "raftoral.WorkflowManagement", method), request);
}

function failure(outcome: UnaryOutcome<unknown>): { code: number; details: string } {
  if (outcome.ok) throw new Error(`expected a failed call, got ${JSON.stringify(outcome)}`);
  return { code: outcome.code, details: outcome.details };
}

describe("CancelWorkflow and TerminateWorkflow", () => {
  test("CancelWorkflow passes the id; empty optional fields are absent", async () => {
    expect(await call("CancelWorkflow", { workflow_id: "order-1" })).toEqual({
      ok: true,
      response: {
        success: true,
        workflow_id: "order-1",
        execution_cluster_id: "1",
        status: "running",
        duplicate: false,
      },
    });
    expect(api.lastCall("cancelWorkflow").request).toEqual({ workflowId: "order-1" });
    expect(api.lastCall("cancelWorkflow").signal).toBeInstanceOf(AbortSignal);
  });

  test("TerminateWorkflow passes the cluster and the reason", async () => {
    const request = { workflow_id: "w", execution_cluster_id: "2", reason: "stuck" };
    expect(await call("TerminateWorkflow", request)).toMatchObject({
      ok: true,
      response: { status: "terminated", duplicate: false },
    });
    expect(api.lastCall("terminateWorkflow").request).toEqual({
      workflowId: "w",
      executionClusterId: 2,
      reason: "stuck",
    });
  });

  test.each([["CancelWorkflow"], ["TerminateWorkflow"]])(
    "%s without workflow_id is INVALID_ARGUMENT naming it; NodeApi is not called",
    async (method) => {
      const { code, details } = failure(await call(method, { reason: "x" }));
      expect(code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(details).toContain("'workflow_id'");
      expect(api.callsOf("cancelWorkflow")).toEqual([]);
      expect(api.callsOf("terminateWorkflow")).toEqual([]);
    },
  );

  test("an unknown workflow is NOT_FOUND, a finished one FAILED_PRECONDITION", async () => {
    api.script.cancelWorkflow = async () => {
      throw new RaftoralError("NOT_FOUND", "workflow nobody is not known to any execution cluster");
    };
    expect(failure(await call("CancelWorkflow", { workflow_id: "nobody" }))).toEqual({
      code: grpc.status.NOT_FOUND,
      details: "workflow nobody is not known to any execution cluster",
    });
    api.script.terminateWorkflow = async () => {
      throw new RaftoralError("FAILED_PRECONDITION", "workflow w already completed");
    };
    expect(failure(await call("TerminateWorkflow", { workflow_id: "w" }))).toEqual({
      code: grpc.status.FAILED_PRECONDITION,
      details: "workflow w already completed",
    });
  });

  test("a wait for a cancelled workflow carries its error code", async () => {
    api.script.waitWorkflow = async () => ({
      success: false,
      failure: { name: "CancelledError", message: "workflow w was cancelled", code: "CANCELLED" },
    });
    expect(await call("WaitForWorkflowCompletion", { workflow_id: "w" })).toEqual({
      ok: true,
      response: {
        success: false,
        result_json: "",
        error: "workflow w was cancelled",
        error_code: "CANCELLED",
        error_name: "CancelledError",
      },
    });
  });
});
