// RaftService/GetClusterStatus and RaftService/LeaveCluster against a fake NodeApi, called
// with @grpc/grpc-js (its own protobufjs reads proto/raftoral.proto, so the new messages'
// names and numbers are checked independently of our codecs).

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
import { GrpcStatus } from "./status.ts";

const definition = loadDefinition();
const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const api = new FakeNodeApi();
const server = new GrpcTransportServer({ logger, closeGraceMs: 50 });
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

function call(method: string): Promise<UnaryOutcome<Record<string, unknown>>> {
  return unaryCall(client, methodOf(definition, "raftoral.RaftService", method), {});
}

describe("raftoral.RaftService additions", () => {
  test("GetClusterStatus sends every field under its proto name", async () => {
    const outcome = await call("GetClusterStatus");
    expect(outcome).toEqual({
      ok: true,
      response: {
        cluster_id: "5e1f6a52-0000-4000-8000-000000000001",
        transport: "http",
        node_id: "1",
        management_leader_node_id: "2",
        nodes: [
          {
            node_id: "1",
            address: "127.0.0.1:7001",
            management_role: "voter",
            is_management_leader: false,
          },
          {
            node_id: "2",
            address: "127.0.0.1:7002",
            management_role: "voter",
            is_management_leader: true,
          },
          {
            node_id: "6",
            address: "127.0.0.1:7006",
            management_role: "learner",
            is_management_leader: false,
          },
        ],
        execution_clusters: [
          {
            execution_cluster_id: "1",
            members: ["1", "2", "6"],
            voters: ["1", "2"],
            learners: ["6"],
            draining: false,
            running_workflows: "4",
            leader_node_id: "2",
            config_index: "17",
            fault_tolerance: "0",
            leaderless_ms: "0",
          },
        ],
        management_fault_tolerance: "1",
        fault_tolerance: "0",
        lost_node_ids: ["4"],
        management_voter_ids: ["1", "2"],
      },
    });
  });

  test("LeaveCluster answers the node id, with the call's signal passed on", async () => {
    const outcome = await call("LeaveCluster");
    expect(outcome).toEqual({ ok: true, response: { success: true, error: "", node_id: "1" } });
    expect(api.lastCall("leave").signal).toBeInstanceOf(AbortSignal);
  });

  test("typed errors become statuses", async () => {
    api.script.leave = async () => {
      throw new RaftoralError("NOT_FOUND", "node 1 is not an active member of a cluster");
    };
    api.script.clusterStatus = async () => {
      throw new RaftoralError("UNAVAILABLE", "this node has not joined a cluster yet");
    };
    expect(await call("LeaveCluster")).toEqual({
      ok: false,
      code: GrpcStatus.NOT_FOUND,
      details: "node 1 is not an active member of a cluster",
    });
    expect(await call("GetClusterStatus")).toMatchObject({
      ok: false,
      code: GrpcStatus.UNAVAILABLE,
    });
  });
});
