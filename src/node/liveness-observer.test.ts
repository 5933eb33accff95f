import { expect, test } from "bun:test";
import { createLogger, logIndex, type NodeId, nodeId, VirtualClock } from "../lib/index.ts";
import { emptyManagementState, type ManagementState, silenceMs } from "../management/index.ts";
import { LivenessObserver } from "./liveness-observer.ts";

const [N1, N2, N3] = [nodeId(1), nodeId(2), nodeId(3)];

function stateOf(ids: readonly NodeId[]): ManagementState {
  const node = (id: NodeId) => ({ id, address: `n${id}`, registeredAt: logIndex(1) });
  return { ...emptyManagementState(), nodes: new Map(ids.map((id) => [id, node(id)])) } as never;
}

test("for owner failover, a node is silent only since this process saw it in the cluster", () => {
  const clock = new VirtualClock();
  const logger = createLogger({ level: "error", format: "text", write: () => undefined });
  // Heard from nobody yet: node 2 has been a member all along, node 3 joins at 2 s.
  const liveness = new LivenessObserver(
    { lastHeardMs: () => undefined },
    clock,
    100,
    1_500,
    logger,
  );
  liveness.start();
  // The stall watch's heartbeat runs every tick: no stall resets the count.
  const run = (ms: number) => {
    for (let t = 0; t < ms; t += 100) clock.advance(100);
  };
  liveness.observeLeadership(false, stateOf([N1, N2]));
  run(2_000);
  liveness.observeLeadership(false, stateOf([N1, N2, N3]));
  run(1_000);
  const view = liveness.asMember();
  expect([silenceMs(view, N2), silenceMs(view, N3)]).toEqual([3_000, 1_000]);
  liveness.stop();
});
