import { expect, test } from "bun:test";
import { PausableClock } from "../../test/sim/cluster/pausable-clock.ts";
import {
  createLogger,
  type GroupId,
  groupId,
  logIndex,
  type NodeId,
  nodeId,
  VirtualClock,
} from "../lib/index.ts";
import { emptyManagementState, type ManagementState, silenceMs } from "../management/index.ts";
import { LivenessObserver } from "./liveness-observer.ts";

const [N1, N2, N3] = [nodeId(1), nodeId(2), nodeId(3)];
const [G1, G2] = [groupId(1), groupId(2)];

function stateOf(ids: readonly NodeId[]): ManagementState {
  const node = (id: NodeId) => ({ id, address: `n${id}`, registeredAt: logIndex(1) });
  return { ...emptyManagementState(), nodes: new Map(ids.map((id) => [id, node(id)])) } as never;
}

/**
 * An observer (100 ms ticks, 1.5 s stalls) of a host that heard each node when `heard` says
 * and has group 1 in the role `role` says; `takeRole` sets it as the host would report it.
 */
function observer(heard: ReadonlyMap<NodeId, number> = new Map()) {
  const clock = new VirtualClock();
  let role = "follower";
  let leaderId = nodeId(0);
  let changed: (id: GroupId) => void = () => undefined;
  const liveness = new LivenessObserver(
    {
      hearing: { lastHeardMs: (id) => heard.get(id), lastTakingPartMs: (id) => heard.get(id) },
      onGroupChanged: (listener) => {
        changed = listener;
        return () => undefined;
      },
      inspect: (id) => (id === G1 ? { status: () => ({ role, leaderId }) } : undefined),
    },
    clock,
    100,
    1_500,
    createLogger({ level: "error", format: "text", write: () => undefined }),
    30_000,
  );
  liveness.start();
  // The stall watch's heartbeat runs every tick: no stall resets the count.
  const run = (ms: number) => {
    for (let t = 0; t < ms; t += 100) clock.advance(100);
  };
  const takeRole = (next: string, leader = nodeId(0)) => {
    role = next;
    leaderId = leader;
    changed(G1);
  };
  return { clock, liveness, run, takeRole };
}

test("for owner failover, a node is silent only since this process saw it in the cluster", () => {
  // Heard from nobody yet: node 2 has been a member all along, node 3 joins at 2 s.
  const { liveness, run } = observer();
  liveness.observeLeadership(false, stateOf([N1, N2]));
  run(2_000);
  liveness.observeLeadership(false, stateOf([N1, N2, N3]));
  run(1_000);
  const view = liveness.asMember();
  expect([silenceMs(view, N2), silenceMs(view, N3)]).toEqual([3_000, 1_000]);
  liveness.stop();
});

test("in a group this node leads, a voter is silent only since this node began to lead it", () => {
  // A follower of group 1 hears from its leader only: N2, a follower too, never speaks to it.
  const { liveness, run, takeRole } = observer();
  liveness.observeLeadership(false, stateOf([N1, N2]));
  run(3_000);
  takeRole("leader");
  run(500);
  expect(silenceMs(liveness.asMember(), N2)).toBe(3_500);
  expect(silenceMs(liveness.asLeaderOf(G1, 1_500), N2)).toBe(500);
  expect(silenceMs(liveness.asLeaderOf(G2, 1_500), N2)).toBe(3_500);
  // Leading again after a spell as a follower counts from the new term's start.
  takeRole("follower");
  run(1_000);
  takeRole("leader");
  run(200);
  expect(silenceMs(liveness.asLeaderOf(G1, 1_500), N2)).toBe(200);
  liveness.stop();
});

test("a new leader counts the old leader's silence from when it last heard it", () => {
  const heard = new Map<NodeId, number>();
  const { clock, liveness, run, takeRole } = observer(heard);
  liveness.observeLeadership(false, stateOf([N1, N2, N3]));
  // N2 leads and heartbeats this node until it dies at 2 s; this node leads from 3 s on.
  for (let t = 0; t < 2_000; t += 100) {
    heard.set(N2, clock.nowMs());
    run(100);
  }
  run(1_000);
  takeRole("leader");
  run(600);
  const view = liveness.asLeaderOf(G1, 1_500);
  expect(silenceMs(view, N2)).toBe(1_700);
  // N3, a follower like this node was, had no reason to speak to it: silent since 3 s only.
  expect(silenceMs(view, N3)).toBe(600);
  liveness.stop();
});

test("the old leader's silence counts from when it was last heard, however long the election", () => {
  const heard = new Map<NodeId, number>();
  const { clock, liveness, run, takeRole } = observer(heard);
  liveness.observeLeadership(false, stateOf([N1, N2, N3]));
  takeRole("follower", N2);
  for (let t = 0; t < 2_000; t += 100) {
    heard.set(N2, clock.nowMs());
    run(100);
  }
  // N2 died at 2 s; the election took 2 s (longer than the 1.5 s looked back on).
  takeRole("candidate");
  run(2_000);
  takeRole("leader", N1);
  run(100);
  const view = liveness.asLeaderOf(G1, 1_500);
  expect(silenceMs(view, N2)).toBe(2_200);
  expect(silenceMs(view, N3)).toBe(100);
  // Another follower that stopped being heard long ago counts from the new term, as before.
  heard.set(N3, 0);
  expect(silenceMs(liveness.asLeaderOf(G1, 1_500), N3)).toBe(100);
  liveness.stop();
});

test("hasStalledSince: a stall longer than owner failover's counts once it has begun", () => {
  const inner = new VirtualClock();
  const clock = new PausableClock(inner);
  const host = {
    hearing: { lastHeardMs: () => undefined, lastTakingPartMs: () => undefined },
    onGroupChanged: () => () => undefined,
  };
  const silent = createLogger({ level: "error", format: "text", write: () => undefined });
  const liveness = new LivenessObserver(
    { ...host, inspect: () => undefined },
    clock,
    100,
    1_500,
    silent,
    30_000,
  );
  liveness.start();
  inner.advance(1_000);
  const beforeMs = clock.nowMs();
  expect(liveness.hasStalledSince(beforeMs)).toBe(false);
  // The process stands still for 3 s: seen as soon as it runs again, before any heartbeat.
  clock.pause();
  inner.advance(3_000);
  clock.resume();
  expect(liveness.hasStalledSince(beforeMs)).toBe(true);
  inner.advance(500);
  expect(liveness.hasStalledSince(beforeMs)).toBe(true);
  // A reading taken after it ended sees no stall since.
  expect(liveness.hasStalledSince(clock.nowMs())).toBe(false);
  liveness.stop();
});
