// Every raftoral gRPC method of GrpcTransportServer against a fake NodeApi, called with
// @grpc/grpc-js (its own protobufjs reads proto/raftoral.proto, so field names and numbers are
// checked independently): what NodeApi receives, the exact reply, how typed errors become
// statuses, deadlines and cancellation, health, reflection and the listener.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { FakeNodeApi, untilAborted, waitUntil } from "../../../test/contracts/fake-node-api.ts";
import { numberedBatch } from "../../../test/contracts/transport-fixtures.ts";
import {
  loadDefinition,
  methodOf,
  type UnaryOutcome,
  unaryCall,
} from "../../../test/interop/harness.ts";
import { createLogger, type ErrorCode, RaftoralError } from "../../lib/index.ts";
import { encodeBatchMsgpack } from "../index.ts";
import { GrpcTransportServer } from "./grpc-transport-server.ts";
import { ServingStatus } from "./health.ts";

const definition = loadDefinition();
const logLines: string[] = [];
const logger = createLogger({
  level: "warn",
  format: "text",
  write: (line) => logLines.push(line),
});
const api = new FakeNodeApi();
const server = new GrpcTransportServer({ logger, closeGraceMs: 50, inputBytesMax: 1024 });
let address = "";
let client: grpc.Client;

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  address = `127.0.0.1:${port}`;
  client = new grpc.Client(address, grpc.credentials.createInsecure());
});

afterEach(() => {
  api.reset();
  logLines.length = 0;
});

afterAll(async () => {
  client.close();
  await server.close();
});

function call<T = Record<string, unknown>>(
  service: "RaftService" | "WorkflowManagement",
  method: string,
  request: object,
  options: grpc.CallOptions = {},
): Promise<UnaryOutcome<T>> {
  return unaryCall<T>(
    client,
    methodOf(definition, `raftoral.${service}`, method),
    request,
    options,
  );
}

function failure(outcome: UnaryOutcome<unknown>): { code: number; details: string } {
  if (outcome.ok) throw new Error(`expected a failed call, got ${JSON.stringify(outcome)}`);
  return { code: outcome.code, details: outcome.details };
}

const RUN = { workflow_type: "ping_pong", version: 1, input_json: '"ping"' };

/** A RunWorkflowResponse of ping_pong's success, every field as the wire has it. */
const PONG = {
  success: true,
  result_json: '"pong"',
  error: "",
  error_code: "",
  error_name: "",
};
describe("raftoral.RaftService", () => {
  test("SendMessage decodes the msgpack batch in raft_message and hands it to NodeApi", async () => {
    const batch = numberedBatch(3, 5);
    const outcome = await call("RaftService", "SendMessage", {
      cluster_id: 1,
      raft_message: Buffer.from(encodeBatchMsgpack(batch)),
    });
    expect(outcome).toEqual({ ok: true, response: { success: true, error: "" } });
    expect(api.batches).toEqual([batch]);
  });

  test.each([
    [
      { cluster_id: 1, propose: { command_json: Buffer.from("{}"), sync_id: 1 } },
      "the 'propose' field of its oneof",
    ],
    [{ cluster_id: 1, campaign: {} }, "the 'campaign' field of its oneof"],
    [{ cluster_id: 1 }, "no payload"],
  ])("SendMessage with %j is INVALID_ARGUMENT naming raft_message", async (request, hint) => {
    const { code, details } = failure(await call("RaftService", "SendMessage", request));
    expect(code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(details).toContain("raft_message");
    expect(details).toContain(hint);
  });

  test("a typed error from receivePeerBatch becomes its status", async () => {
    api.script.receivePeerBatch = () => {
      throw new RaftoralError("UNKNOWN_GROUP", "group 9 is not hosted on node 1");
    };
    const outcome = await call("RaftService", "SendMessage", {
      raft_message: Buffer.from(encodeBatchMsgpack(numberedBatch(1, 1))),
    });
    expect(failure(outcome)).toEqual({
      code: grpc.status.NOT_FOUND,
      details: "group 9 is not hosted on node 1",
    });
  });

  test("Discover answers every DiscoveryResponse field", async () => {
    expect(await call("RaftService", "Discover", {})).toEqual({
      ok: true,
      response: {
        node_id: "1",
        highest_known_node_id: "3",
        address: "127.0.0.1:7001",
        management_leader_node_id: "2",
        management_leader_address: "127.0.0.1:7002",
        should_join_as_voter: true,
        current_voter_count: "3",
        max_voters: "5",
        fault_tolerance: "1",
        founding: "",
        instance_id: "5f3a9c01",
      },
    });
  });

  test("AddNode registers the node and returns its id in node_id (field 3)", async () => {
    const outcome = await call("RaftService", "AddNode", { node_id: 0, address: "10.0.0.4:7001" });
    expect(outcome).toEqual({ ok: true, response: { success: true, error: "", node_id: "4" } });
    expect(api.lastCall("register").request).toEqual({ nodeId: 0, address: "10.0.0.4:7001" });
    expect(api.lastCall("register").signal).toBeInstanceOf(AbortSignal);
  });

  test("AddNode without an address is INVALID_ARGUMENT", async () => {
    const { code, details } = failure(await call("RaftService", "AddNode", { node_id: 3 }));
    expect(code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(details).toContain("'address'");
    expect(api.callsOf("register")).toEqual([]);
  });

  test("AddNode on a follower is UNAVAILABLE with the leader in the message", async () => {
    api.script.register = async () => {
      throw new RaftoralError("NOT_LEADER", "node 1 is not the leader; retry against node 2");
    };
    const outcome = await call("RaftService", "AddNode", { address: "h:1" });
    expect(failure(outcome)).toEqual({
      code: grpc.status.UNAVAILABLE,
      details: "node 1 is not the leader; retry against node 2",
    });
  });
});

describe("raftoral.WorkflowManagement", () => {
  test("RunWorkflowAsync starts the workflow", async () => {
    expect(await call("WorkflowManagement", "RunWorkflowAsync", RUN)).toEqual({
      ok: true,
      response: {
        success: true,
        workflow_id: "550e8400-e29b-41d4-a716-446655440000",
        execution_cluster_id: "1",
        error: "",
        already_started: false,
      },
    });
    const started = api.lastCall("startWorkflow");
    expect(started.request).toEqual({ workflowType: "ping_pong", version: 1, input: "ping" });
    expect(started.signal).toBeInstanceOf(AbortSignal);
  });

  test("workflow_id (field 5) reaches NodeApi as the caller's id; empty means none", async () => {
    await call("WorkflowManagement", "RunWorkflowAsync", { ...RUN, workflow_id: "order-1" });
    expect(api.lastCall("startWorkflow").request).toMatchObject({ workflowId: "order-1" });
    await call("WorkflowManagement", "RunWorkflowAsync", { ...RUN, workflow_id: "" });
    expect(api.lastCall("startWorkflow").request).toEqual({
      workflowType: "ping_pong",
      version: 1,
      input: "ping",
    });
  });

  test("DescribeWorkflow answers the record; unset numbers are 0", async () => {
    const outcome = await call("WorkflowManagement", "DescribeWorkflow", { workflow_id: "o" });
    expect(outcome).toMatchObject({
      ok: true,
      response: {
        workflow_id: "o",
        execution_cluster_id: "1",
        status: "waiting",
        waiting_for: "paid",
        waiting_for_child: "order-1:3",
        held: "paid_order@1 is not registered on the node that answered",
        finished_at_ms: "0",
        result_json: "",
      },
    });
    expect(api.lastCall("describeWorkflow").request).toEqual({ workflowId: "o" });
  });

  test("SignalWorkflow sends the event; empty optional fields are absent", async () => {
    const request = { workflow_id: "order-1", name: "paid", payload_json: '{"amount":12}' };
    expect(await call("WorkflowManagement", "SignalWorkflow", request)).toEqual({
      ok: true,
      response: {
        success: true,
        workflow_id: "order-1",
        execution_cluster_id: "1",
        event_id: "event-1",
        duplicate: false,
      },
    });
    expect(api.lastCall("signalWorkflow").request).toEqual({
      workflowId: "order-1",
      name: "paid",
      payload: { amount: 12 },
    });
    const empty = { workflow_id: "w", name: "" };
    const { code, details } = failure(await call("WorkflowManagement", "SignalWorkflow", empty));
    expect(code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(details).toContain("'name'");
  });

  test("an empty input_json is the input null", async () => {
    await call("WorkflowManagement", "RunWorkflowAsync", { ...RUN, input_json: "" });
    expect(api.lastCall("startWorkflow").request).toMatchObject({ input: null });
  });

  test.each([
    [{ ...RUN, workflow_type: "" }, grpc.status.INVALID_ARGUMENT, "'workflow_type'"],
    [{ ...RUN, input_json: "ping" }, grpc.status.INVALID_ARGUMENT, "must be JSON text"],
    [
      { ...RUN, input_json: JSON.stringify("x".repeat(2000)) },
      grpc.status.RESOURCE_EXHAUSTED,
      "limit is 1024",
    ],
  ])("RunWorkflowAsync %j fails with status %d naming %s", async (request, status, hint) => {
    const { code, details } = failure(
      await call("WorkflowManagement", "RunWorkflowAsync", request),
    );
    expect(code).toBe(status);
    expect(details).toContain(hint);
    expect(api.callsOf("startWorkflow")).toEqual([]);
  });

  const errors: [ErrorCode, number][] = [
    ["INVALID_ARGUMENT", grpc.status.INVALID_ARGUMENT],
    ["NOT_FOUND", grpc.status.NOT_FOUND],
    ["RESOURCE_EXHAUSTED", grpc.status.RESOURCE_EXHAUSTED],
    ["NO_LEADER", grpc.status.UNAVAILABLE],
    ["TIMEOUT", grpc.status.DEADLINE_EXCEEDED],
  ];
  test.each(errors)("%s from NodeApi becomes gRPC status %d", async (errorCode, status) => {
    api.script.startWorkflow = async () => {
      throw new RaftoralError(errorCode, "workflow ping_pong has no version 9; use 1");
    };
    const outcome = await call("WorkflowManagement", "RunWorkflowAsync", RUN);
    expect(failure(outcome)).toEqual({
      code: status,
      details: "workflow ping_pong has no version 9; use 1",
    });
  });

  test("an unexpected error is INTERNAL with a safe message, logged in full", async () => {
    api.script.startWorkflow = async () => {
      throw new Error("secret path /var/lib/raftoral");
    };
    const outcome = await call("WorkflowManagement", "RunWorkflowAsync", RUN);
    expect(failure(outcome)).toEqual({
      code: grpc.status.INTERNAL,
      details: "internal error; see the server log",
    });
    expect(logLines.join("\n")).toContain("secret path /var/lib/raftoral");
  });

  test("RunWorkflowSync runs and answers the outcome", async () => {
    expect(await call("WorkflowManagement", "RunWorkflowSync", RUN)).toEqual({
      ok: true,
      response: PONG,
    });
    expect(api.lastCall("runWorkflow").request).toEqual({
      workflowType: "ping_pong",
      version: 1,
      input: "ping",
    });
  });

  test("a workflow that failed is success=false with its error, not a gRPC error", async () => {
    api.script.runWorkflow = async () => ({
      success: false,
      failure: { name: "Error", message: "ping must be ping" },
    });
    expect(await call("WorkflowManagement", "RunWorkflowSync", RUN)).toEqual({
      ok: true,
      response: {
        success: false,
        result_json: "",
        error: "ping must be ping",
        error_code: "",
        error_name: "Error",
      },
    });
  });

  test("RunWorkflowSync stops at the gRPC deadline and aborts the NodeApi call", async () => {
    api.script.runWorkflow = untilAborted();
    const outcome = await call("WorkflowManagement", "RunWorkflowSync", RUN, {
      deadline: Date.now() + 200,
    });
    expect(failure(outcome).code).toBe(grpc.status.DEADLINE_EXCEEDED);
    // The server's own deadline timer fires about when the client's does.
    const signal = api.lastCall("runWorkflow").signal;
    await waitUntil(() => signal?.aborted === true, "the server to abort the run");
  });

  test("WaitForWorkflowCompletion passes its fields and timeout_seconds", async () => {
    const request = { workflow_id: "abc-123", execution_cluster_id: "1", timeout_seconds: 45 };
    expect(await call("WorkflowManagement", "WaitForWorkflowCompletion", request)).toEqual({
      ok: true,
      response: PONG,
    });
    expect(api.lastCall("waitWorkflow").request).toEqual({
      workflowId: "abc-123",
      executionClusterId: 1,
      timeoutSeconds: 45,
    });
  });

  test("timeout_seconds 0 (unset) waits the default 30 s", async () => {
    const request = { workflow_id: "w", execution_cluster_id: "2" };
    await call("WorkflowManagement", "WaitForWorkflowCompletion", request);
    expect(api.lastCall("waitWorkflow").request).toMatchObject({ timeoutSeconds: 30 });
  });

  test("a wait without execution_cluster_id leaves finding the cluster to the node", async () => {
    await call("WorkflowManagement", "WaitForWorkflowCompletion", { workflow_id: "w" });
    const { request } = api.lastCall("waitWorkflow");
    expect(request).toEqual({ workflowId: "w", timeoutSeconds: 30 });
  });

  test.each([
    [{ execution_cluster_id: "1" }, "'workflow_id'"],
    [{ workflow_id: "w", execution_cluster_id: "1", timeout_seconds: 3601 }, "at most 3600"],
  ])("WaitForWorkflowCompletion %j is INVALID_ARGUMENT naming %s", async (request, hint) => {
    const outcome = await call("WorkflowManagement", "WaitForWorkflowCompletion", request);
    const { code, details } = failure(outcome);
    expect(code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(details).toContain(hint);
  });

  test("a caller that cancels aborts the NodeApi wait", async () => {
    api.script.waitWorkflow = untilAborted();
    const wait = methodOf(definition, "raftoral.WorkflowManagement", "WaitForWorkflowCompletion");
    const pending = client.makeUnaryRequest(
      wait.path,
      wait.requestSerialize,
      wait.responseDeserialize,
      { workflow_id: "w", execution_cluster_id: "1" },
      () => undefined, // CANCELLED, as asked for below.
    );
    await waitUntil(() => api.callsOf("waitWorkflow").length === 1, "the wait to start");
    pending.cancel();
    const signal = api.lastCall("waitWorkflow").signal;
    await waitUntil(() => signal?.aborted === true, "the wait to be aborted");
  });
});

describe("health, reflection and the listener", () => {
  test.each(["", "raftoral.RaftService", "raftoral.WorkflowManagement"])(
    "health Check '%s' is SERVING",
    async (service) => {
      const check = methodOf(definition, "grpc.health.v1.Health", "Check");
      expect(await unaryCall(client, check, { service })).toEqual({
        ok: true,
        response: { status: ServingStatus.SERVING },
      });
    },
  );

  test("reflection lists the raftoral services", async () => {
    const info = methodOf(
      definition,
      "grpc.reflection.v1.ServerReflection",
      "ServerReflectionInfo",
    );
    const stream = client.makeBidiStreamRequest(
      info.path,
      info.requestSerialize,
      info.responseDeserialize,
    );
    const names: string[] = [];
    stream.on("data", (response: { list_services_response?: { service: { name: string }[] } }) =>
      names.push(...(response.list_services_response?.service.map((s) => s.name) ?? [])),
    );
    stream.write({ list_services: "*" });
    await waitUntil(() => names.length > 0, "the reflection answer");
    stream.end();
    expect(names).toContain("raftoral.RaftService");
    expect(names).toContain("raftoral.WorkflowManagement");
    expect(names).toContain("grpc.health.v1.Health");
  });

  test("close() turns health Watch to NOT_SERVING before ending the call", async () => {
    const closing = new GrpcTransportServer({ logger, closeGraceMs: 50 });
    const { port } = await closing.listen("127.0.0.1", 0, new FakeNodeApi());
    const own = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const watch = methodOf(definition, "grpc.health.v1.Health", "Watch");
    const stream = own.makeServerStreamRequest(
      watch.path,
      watch.requestSerialize,
      watch.responseDeserialize,
      { service: "raftoral.RaftService" },
    );
    const seen: number[] = [];
    let isEnded = false;
    stream.on("data", (response: { status: number }) => seen.push(response.status));
    stream.on("error", () => undefined); // UNAVAILABLE when the server closes: expected.
    stream.on("close", () => {
      isEnded = true;
    });
    await waitUntil(() => seen.length === 1, "the first health status");
    await closing.close();
    await waitUntil(() => isEnded, "the Watch call to end");
    own.close();
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  test("a port in use fails with 'Address already in use'", async () => {
    const second = new GrpcTransportServer({ logger });
    const port = Number(address.split(":")[1]);
    const error = await second.listen("127.0.0.1", port, api).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(RaftoralError);
    expect((error as Error).message).toContain("Address already in use");
    await second.close();
  });

  test("the server logged nothing unexpected", () => {
    expect(logLines).toEqual([]);
  });
});
