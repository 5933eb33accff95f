// grpc-js under Node.js, so both ends of the HTTP/2 connection are independent stacks (the
// other interop tests run grpc-js inside Bun, on Bun's node:http2). Needs `node` on PATH,
// which every machine that runs our tests has (CI installs Bun through npm).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  GrpcClient,
  GrpcStatus,
  GrpcStatusError,
  HealthMethods,
  RaftServiceMethods,
} from "../../src/transport/grpc/index.ts";
import { NON_ASCII_MESSAGE, type ReferenceServer, startReferenceServer } from "./harness.ts";

const NODE = Bun.which("node");
const PEER = join(import.meta.dir, "fixtures/grpc-js-peer.cjs");
if (NODE === null) throw new Error("the Node.js interop tests need `node` on PATH");

describe("grpc-js on Node.js", () => {
  test("as a client of our server", async () => {
    const reference: ReferenceServer = await startReferenceServer();
    try {
      const child = Bun.spawn([NODE, PEER, "client", reference.address], {
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, stderr, exitCode] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
        child.exited,
      ]);
      expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
      const results = JSON.parse(stdout);
      expect(results.discover.response).toMatchObject({
        highest_known_node_id: "9007199254740991",
        max_voters: "5",
      });
      expect(results.addNode).toEqual({ code: GrpcStatus.NOT_FOUND, details: NON_ASCII_MESSAGE });
      expect(results.unknown.code).toBe(GrpcStatus.UNIMPLEMENTED);
      expect(results.deadline.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
      expect(results.health).toEqual({ response: { status: 1 } });
      expect(results.services).toContain("grpc.reflection.v1alpha.ServerReflection");
      expect(results.services).toContain("raftoral.RaftService");
      expect(results.reflectedDiscover.response.max_voters).toBe("5");
    } finally {
      await reference.server.close();
    }
  });

  describe("as a server for our client", () => {
    let child: Bun.Subprocess<"pipe", "pipe", "pipe"> | undefined;
    let client: GrpcClient;

    beforeAll(async () => {
      child = Bun.spawn([NODE, PEER, "server"], {
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
      });
      const reader = child.stdout.getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`peer exited: ${await new Response(child.stderr).text()}`);
        text += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      const { port } = JSON.parse(text) as { port: number };
      client = new GrpcClient({ address: `127.0.0.1:${port}` });
    });

    afterAll(async () => {
      client.close();
      await child?.stdin.end();
      await child?.exited;
    });

    test("unary calls, bytes and exact uint64", async () => {
      const response = await client.unary(RaftServiceMethods.discover, {}, { timeoutMs: 5_000 });
      expect(response).toMatchObject({ nodeId: Number.MAX_SAFE_INTEGER, maxVoters: 7 });
      const echo = await client.unary(RaftServiceMethods.sendMessage, {
        clusterId: 1,
        message: "raftMessage",
        raftMessage: new Uint8Array(200_000),
      });
      expect(echo).toEqual({ success: true, error: "200000" });
    });

    test("error statuses, Trailers-Only and after a message", async () => {
      const error = await client
        .unary(RaftServiceMethods.addNode, {
          nodeId: 5,
          address: "",
          workflowFingerprint: "",
          instanceId: "",
          rulesVersion: 0,
          securityProfile: "",
        })
        .catch((reason: unknown) => reason);
      expect((error as GrpcStatusError).grpcCode).toBe(GrpcStatus.NOT_FOUND);
      expect((error as GrpcStatusError).message).toBe(NON_ASCII_MESSAGE);
      const seen: number[] = [];
      const failure = await (async () => {
        for await (const item of client.serverStreaming(HealthMethods.watch, { service: "" })) {
          seen.push(item.status);
        }
      })().catch((reason: unknown) => reason);
      expect(seen).toEqual([1]);
      expect(failure).toBeInstanceOf(GrpcStatusError);
      expect((failure as GrpcStatusError).grpcCode).toBe(GrpcStatus.FAILED_PRECONDITION);
    });
  });
});
