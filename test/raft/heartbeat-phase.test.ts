// Leaders heartbeat at the ticks whose count is a multiple of heartbeatTicks, counted from
// the host's clock (RaftInitialState.ticks): the groups of one host heartbeat in the same
// ticks, whenever each leader took office, so a peer gets one batch of heartbeats per
// interval. Heartbeats still never lie more than heartbeatTicks apart.

import { describe, expect, test } from "bun:test";
import { bootstrapState } from "../../src/raft/index.ts";
import { ids, TestNetwork, TestNode } from "./harness.ts";

const config = { heartbeatTicks: 3, electionTicks: 10 };

/** A group of voters 1 and 2 whose replicas start at the host's tick `ticks`. */
function group(ticks: number): TestNetwork {
  const network = new TestNetwork();
  for (const id of ids(1, 2)) {
    network.nodes.set(id, new TestNode(id, { ...bootstrapState(ids(1, 2)), ticks }, { config }));
  }
  return network;
}

/** Ticks every group once per host tick; returns the host ticks in which node 1 heartbeat. */
function heartbeatTicks(groups: TestNetwork[], from: number, to: number): number[][] {
  const seen: number[][] = groups.map(() => []);
  for (let tick = from + 1; tick <= to; tick++) {
    groups.forEach((network, k) => {
      const before = network.delivered.length;
      network.tick();
      const sent = network.delivered
        .slice(before)
        .some((message) => message.type === "Heartbeat" && message.from === 1);
      if (sent) seen[k]?.push(tick);
    });
  }
  return seen;
}

describe("heartbeat phase", () => {
  test("leaders that took office in different ticks heartbeat in the same ticks", () => {
    const groups = [group(0), group(0), group(0)];
    // Group k's leader is elected after k ticks: without a common phase each would
    // heartbeat heartbeatTicks after its own election.
    groups.forEach((network, k) => {
      network.tick(k);
      network.campaign(1);
      expect(network.leaders()).toEqual(ids(1));
    });
    // Bring the three to the same host tick (2) before comparing.
    groups[0]?.tick(2);
    groups[1]?.tick(1);
    const seen = heartbeatTicks(groups, 2, 20);
    expect(seen[0]).toEqual([3, 6, 9, 12, 15, 18]);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  });

  test("a replica started later on the host's count joins the others' phase", () => {
    const early = group(0);
    early.campaign(1);
    early.tick(7);
    // Started at host tick 7, as the host's registry starts a group installed then.
    const late = group(7);
    late.campaign(1);
    const seen = heartbeatTicks([early, late], 7, 20);
    expect(seen[0]).toEqual([9, 12, 15, 18]);
    expect(seen[1]).toEqual(seen[0]);
  });

  test("no gap between heartbeats exceeds heartbeatTicks", () => {
    for (let offset = 0; offset < config.heartbeatTicks; offset++) {
      const network = group(0);
      network.tick(offset);
      network.campaign(1);
      const [seen = []] = heartbeatTicks([network], offset, offset + 30);
      // The election itself told the follower; the first heartbeat follows within the interval.
      expect((seen[0] ?? Number.POSITIVE_INFINITY) - offset).toBeLessThanOrEqual(
        config.heartbeatTicks,
      );
      for (let k = 1; k < seen.length; k++) {
        expect((seen[k] ?? 0) - (seen[k - 1] ?? 0)).toBeLessThanOrEqual(config.heartbeatTicks);
      }
      expect(network.leaders()).toEqual(ids(1));
    }
  });
});
