// A host that is behind on its peers' batches refuses more with RESOURCE_EXHAUSTED (the
// transport answers 429 / gRPC 8, and the sender backs off) rather than accepting and dropping
// them; once its loop ran, it takes batches again.

import { expect, test } from "bun:test";
import { groupId, nodeId, RaftoralError, term } from "../../src/lib/index.ts";
import { INBOX_MESSAGES_MAX } from "../../src/multiraft/index.ts";
import type { PeerBatch } from "../../src/transport/index.ts";
import { flush, loneHost } from "../support/host-cluster.ts";

function heartbeats(count: number): PeerBatch {
  const message = {
    type: "raft" as const,
    groupId: groupId(7),
    message: {
      type: "Heartbeat" as const,
      from: nodeId(2),
      to: nodeId(1),
      term: term(3),
      leaderCommit: 0 as never,
      readContext: "",
    },
  };
  return { from: nodeId(2), to: nodeId(1), messages: Array(count).fill(message) };
}

test("a full inbox refuses a peer's batch with RESOURCE_EXHAUSTED and takes it after a turn", async () => {
  const { host, clock } = loneHost();
  host.receive(heartbeats(INBOX_MESSAGES_MAX));
  let refusal: unknown;
  try {
    host.receive(heartbeats(1));
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(RaftoralError);
  expect((refusal as RaftoralError).code).toBe("RESOURCE_EXHAUSTED");

  clock.advance(1);
  await flush();
  host.receive(heartbeats(1));
  host.stop();
});
