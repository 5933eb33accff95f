import { expect, test } from "bun:test";
import { groupId, nodeId, RaftoralError } from "../lib/index.ts";
import type { NodeApi, PeerBatch } from "../transport/index.ts";
import { ApiSwitch, startingApi } from "./api-switch.ts";

function starting(): NodeApi {
  return startingApi({
    address: "127.0.0.1:1",
    instance: "a1b2",
    transport: "grpc",
    maxVoters: 5,
    reason: () => "joining the cluster",
    metrics: () => "",
  });
}

/** A full service stand-in that records the batches it takes (only that is called here). */
function recording(): { api: NodeApi; received: PeerBatch[] } {
  const received: PeerBatch[] = [];
  const api = { ...starting(), receivePeerBatch: (batch: PeerBatch) => received.push(batch) };
  return { api: api as NodeApi, received };
}

const batch = (k: number): PeerBatch => ({
  from: nodeId(1),
  to: nodeId(3),
  messages: [{ type: "unknownGroup", groupId: groupId(k) }],
});

test("peer batches that come while the node starts reach it, in order, once it switches", () => {
  const api = new ApiSwitch(starting());
  api.receivePeerBatch(batch(1));
  api.receivePeerBatch(batch(2));
  const node = recording();
  api.switchTo(node.api);
  expect(node.received).toEqual([batch(1), batch(2)]);
  api.receivePeerBatch(batch(3));
  expect(node.received).toHaveLength(3);
});

test("past its bound the starting node refuses peer batches, so their senders back off", () => {
  const api = new ApiSwitch(starting());
  const refusals: unknown[] = [];
  for (let k = 0; k < 100; k++) {
    try {
      api.receivePeerBatch(batch(k));
    } catch (error) {
      refusals.push(error);
    }
  }
  expect(refusals).toHaveLength(36);
  expect(refusals[0]).toBeInstanceOf(RaftoralError);
  expect((refusals[0] as RaftoralError).code).toBe("UNAVAILABLE");
  const node = recording();
  api.switchTo(node.api);
  expect(node.received).toHaveLength(64);
});
