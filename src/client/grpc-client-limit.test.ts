// A gRPC client call larger than a node takes is refused before it is sent, naming the same
// limit a node names: before, a 2 MB input was refused by the node at 1 MiB and a 50 MB one by
// the client at 4 MiB, two limits for one rule.

import { expect, test } from "bun:test";
import { callFailure } from "../../test/support/outcomes.ts";
import { CLIENT_MESSAGE_BYTES_MAX_DEFAULT } from "../transport/grpc/index.ts";
import { GrpcProtocolClient } from "./grpc-client.ts";

test("a call over a node's limit is refused here, naming the node's limit", async () => {
  // Nothing listens there: the call must fail before it connects.
  const client = new GrpcProtocolClient("127.0.0.1:1");
  const input = "x".repeat(2 * 1024 * 1024);
  const request = { workflowType: "echo", version: 1, input };
  const failure = await callFailure(client.startWorkflow(request, { timeoutMs: 5_000 }));
  await client.close();
  expect(failure.code).toBe("RESOURCE_EXHAUSTED");
  expect(failure.message).toContain(`vs. ${CLIENT_MESSAGE_BYTES_MAX_DEFAULT} bytes`);
});
