// RawNode.heartbeatTo: a leader heartbeats one member out of its tick's rhythm (a member that
// announced it is back learns its leader at once). Followers, candidates and non-members get
// nothing, and a read the heartbeat's answer confirms is a read that began before it was sent.

import { describe, expect, test } from "bun:test";
import { NO_NODE, nodeId } from "../../src/lib/index.ts";
import { bootstrapState } from "../../src/raft/index.ts";
import { ids, TestNetwork, TestNode } from "./harness.ts";

const config = { heartbeatTicks: 3, electionTicks: 10 };

function threeVoters(): TestNetwork {
  const network = new TestNetwork();
  for (const id of ids(1, 2, 3)) {
    network.nodes.set(id, new TestNode(id, bootstrapState(ids(1, 2, 3)), { config }));
  }
  network.campaign(1);
  expect(network.leaders()).toEqual(ids(1));
  return network;
}

describe("heartbeatTo", () => {
  test("a leader heartbeats the member it names, and only it, without a tick", () => {
    const network = threeVoters();
    network.node(1).raw.heartbeatTo(nodeId(3));
    const sent = network.node(1).process();
    expect(sent.map((message) => `${message.type} to ${message.to}`)).toEqual(["Heartbeat to 3"]);
  });

  test("a member that lost its leader learns it from that heartbeat", () => {
    const network = threeVoters();
    network.node(3).restart();
    expect(network.node(3).raw.leaderId()).toBe(NO_NODE);
    network.node(1).raw.heartbeatTo(nodeId(3));
    network.deliver([]);
    expect(network.node(3).raw.leaderId()).toBe(nodeId(1));
  });

  test("a follower, and a leader asked for a non-member or itself, send nothing", () => {
    const network = threeVoters();
    network.node(2).raw.heartbeatTo(nodeId(3));
    expect(network.node(2).process()).toEqual([]);
    network.node(1).raw.heartbeatTo(nodeId(9));
    network.node(1).raw.heartbeatTo(nodeId(1));
    expect(network.node(1).process()).toEqual([]);
  });

  test("it carries the pending read's context, and the answer confirms that read", () => {
    const network = threeVoters();
    network.propose(1, "x");
    // The read's own heartbeats are lost, so only heartbeatTo's answer can confirm it.
    network.drop((message) => message.type === "Heartbeat" && message.from === 1);
    network.node(1).raw.readIndex("read-1");
    network.deliver([]);
    expect(network.node(1).readStates).toEqual([]);
    network.heal();
    network.node(1).raw.heartbeatTo(nodeId(2));
    const [heartbeat] = network.node(1).process();
    expect(heartbeat).toMatchObject({ type: "Heartbeat", to: 2, readContext: "read-1" });
    network.deliver(heartbeat === undefined ? [] : [heartbeat]);
    expect(network.node(1).readStates.map((state) => state.context)).toEqual(["read-1"]);
  });
});
