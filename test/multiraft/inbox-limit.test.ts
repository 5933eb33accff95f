// A host that is behind on its peers' batches refuses more with RESOURCE_EXHAUSTED (the
// transport answers 429 / gRPC 8, and the sender backs off) rather than accepting and dropping
// them; once its loop ran, it takes batches again.

import { expect, test } from "bun:test";
import {
  createLogger,
  groupId,
  nodeId,
  RaftoralError,
  seededRandom,
  term,
  VirtualClock,
} from "../../src/lib/index.ts";
import { INBOX_MESSAGES_MAX, MultiRaftHost } from "../../src/multiraft/index.ts";
import { MemoryLogStorage } from "../../src/storage/index.ts";
import type { PeerBatch } from "../../src/transport/index.ts";
import { flush, TEST_HOST_CONFIG } from "../support/host-cluster.ts";
import { TRUSTING_DIRECTORY } from "../support/trusting-directory.ts";

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
  const clock = new VirtualClock();
  const host = new MultiRaftHost({
    nodeId: nodeId(1),
    storage: new MemoryLogStorage(),
    peers: { send: () => undefined },
    directory: TRUSTING_DIRECTORY,
    clock,
    random: seededRandom(1),
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    config: TEST_HOST_CONFIG,
    onFatal: (error) => {
      throw error;
    },
  });
  host.start();
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
