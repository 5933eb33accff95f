// @grpc/grpc-js as a client of our server: unary calls, status details, deadlines, unknown
// methods, health Check and Watch, and reflection decoded back into a callable service.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ServingStatus } from "../../src/transport/grpc/index.ts";
import {
  fileDescriptorSet,
  LOADER_OPTIONS,
  loadDefinition,
  methodOf,
  NON_ASCII_MESSAGE,
  type ReferenceServer,
  startReferenceServer,
  unaryCall,
  waitFor,
} from "./harness.ts";

interface ReflectionResponse {
  readonly list_services_response?: { readonly service: { readonly name: string }[] };
  readonly file_descriptor_response?: { readonly file_descriptor_proto: Buffer[] };
  readonly error_response?: { readonly error_code: number };
}

describe("grpc-js client -> our server", () => {
  const definition = loadDefinition();
  let reference: ReferenceServer;
  let client: grpc.Client;

  beforeAll(async () => {
    reference = await startReferenceServer();
    client = new grpc.Client(reference.address, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await reference.server.close();
  });

  test("unary raftoral.RaftService/Discover, uint64 values exact", async () => {
    const outcome = await unaryCall<Record<string, unknown>>(
      client,
      methodOf(definition, "raftoral.RaftService", "Discover"),
      {},
    );
    expect(outcome).toEqual({
      ok: true,
      response: {
        node_id: "1",
        highest_known_node_id: "9007199254740991",
        address: "127.0.0.1:7001",
        management_leader_node_id: "1",
        management_leader_address: "127.0.0.1:7001",
        should_join_as_voter: true,
        current_voter_count: "3",
        max_voters: "5",
        fault_tolerance: "1",
        founding: "",
        instance_id: "",
      },
    });
  });

  test("bytes in the GenericMessage oneof arrive intact", async () => {
    const outcome = await unaryCall(
      client,
      methodOf(definition, "raftoral.RaftService", "SendMessage"),
      { cluster_id: 3, raft_message: Buffer.alloc(300_000, 1) },
    );
    expect(outcome).toEqual({ ok: true, response: { success: true, error: "300000" } });
  });

  test("an error status keeps its non-ASCII message", async () => {
    const outcome = await unaryCall(
      client,
      methodOf(definition, "raftoral.RaftService", "AddNode"),
      {
        node_id: 5,
      },
    );
    expect(outcome).toEqual({ ok: false, code: grpc.status.NOT_FOUND, details: NON_ASCII_MESSAGE });
  });

  test("a deadline ends the call with DEADLINE_EXCEEDED", async () => {
    const method = methodOf(definition, "raftoral.WorkflowManagement", "RunWorkflowSync");
    const outcome = await unaryCall(client, method, {}, { deadline: Date.now() + 150 });
    expect(outcome.ok ? -1 : outcome.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  test("an unknown method is UNIMPLEMENTED", async () => {
    const discover = methodOf(definition, "raftoral.RaftService", "Discover");
    const outcome = await unaryCall(
      client,
      { ...discover, path: "/raftoral.RaftService/Nope" },
      {},
    );
    expect(outcome.ok ? -1 : outcome.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  test("health Check: SERVING for known services, NOT_FOUND otherwise", async () => {
    const check = methodOf(definition, "grpc.health.v1.Health", "Check");
    expect(await unaryCall(client, check, { service: "" })).toEqual({
      ok: true,
      response: { status: ServingStatus.SERVING },
    });
    const unknown = await unaryCall(client, check, { service: "raftoral.Nope" });
    expect(unknown.ok ? -1 : unknown.code).toBe(grpc.status.NOT_FOUND);
  });

  test("health Watch streams the current status and each change", async () => {
    const watch = methodOf(definition, "grpc.health.v1.Health", "Watch");
    const call = client.makeServerStreamRequest(
      watch.path,
      watch.requestSerialize,
      watch.responseDeserialize,
      { service: "raftoral.WorkflowManagement" },
    );
    const seen: number[] = [];
    call.on("data", (response: { status: number }) => seen.push(response.status));
    call.on("error", () => undefined); // CANCELLED after call.cancel() below.
    await waitFor(() => seen.length === 1);
    reference.health.setStatus("raftoral.WorkflowManagement", ServingStatus.NOT_SERVING);
    await waitFor(() => seen.length === 2);
    reference.health.setStatus("raftoral.WorkflowManagement", ServingStatus.SERVING);
    await waitFor(() => seen.length === 3);
    call.cancel();
    expect(seen).toEqual([
      ServingStatus.SERVICE_UNKNOWN,
      ServingStatus.NOT_SERVING,
      ServingStatus.SERVING,
    ]);
    await waitFor(() => reference.health.watchers === 0);
  });

  test.each(["v1", "v1alpha"])(
    "reflection %s: list_services and file_containing_symbol",
    async (version) => {
      const info = methodOf(
        definition,
        "grpc.reflection.v1.ServerReflection",
        "ServerReflectionInfo",
      );
      const call = client.makeBidiStreamRequest(
        `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
        info.requestSerialize,
        info.responseDeserialize,
      );
      const responses: ReflectionResponse[] = [];
      call.on("data", (response: ReflectionResponse) => responses.push(response));
      call.write({ list_services: "*" });
      call.write({ file_containing_symbol: "raftoral.RaftService" });
      call.write({ file_containing_symbol: "raftoral.Nope" });
      await waitFor(() => responses.length === 3);
      call.end();
      const services = responses[0]?.list_services_response?.service.map((s) => s.name);
      expect(services).toEqual([
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "raftoral.RaftService",
        "raftoral.WorkflowManagement",
      ]);
      expect(responses[2]?.error_response?.error_code).toBe(grpc.status.NOT_FOUND);

      // Decode the descriptors as a tool would, then call Discover with what they describe.
      const files = responses[1]?.file_descriptor_response?.file_descriptor_proto ?? [];
      const reflected = protoLoader.loadFileDescriptorSetFromBuffer(
        fileDescriptorSet(files),
        LOADER_OPTIONS,
      );
      expect(Object.keys(reflected)).toContain("raftoral.RaftService");
      const discover = methodOf(reflected, "raftoral.RaftService", "Discover");
      const outcome = await unaryCall<{ max_voters: string }>(client, discover, {});
      expect(outcome.ok && outcome.response.max_voters).toBe("5");
    },
  );

  test("the server logged no unexpected errors", () => {
    expect(reference.logLines).toEqual([]);
  });
});
