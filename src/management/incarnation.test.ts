// The check-in rule: a start is accepted only from the storage that made the last accepted
// one; an old copy (a restored backup) or the second of two clones is stale.

import { describe, expect, test } from "bun:test";
import { type LogIndex, nodeId } from "../lib/index.ts";
import { decodeManagementCommand, encodeManagementCommand } from "./commands.ts";
import { checkIn } from "./incarnation.ts";
import { emptyManagementState, type ManagementState } from "./management-state.ts";

const N = nodeId(3);
const cluster: ManagementState = {
  ...emptyManagementState(),
  clusterId: "c",
  nodes: new Map([
    [
      N,
      {
        id: N,
        address: "a:1",
        registeredAt: 1 as LogIndex,
        instance: "i",
        incarnation: 0,
        incarnationNonce: "",
        workflowFingerprint: "",
        rulesVersion: 1,
      },
    ],
  ]),
};

/** Applies checkIn(previous, previous + 1, nonce) and returns the new state and the verdict. */
function claim(state: ManagementState, previous: number, nonce: string) {
  const command = { type: "checkIn", nodeId: N, previous, incarnation: previous + 1, nonce };
  const decoded = decodeManagementCommand(encodeManagementCommand(command as never));
  if (decoded.type !== "checkIn") throw new Error("not a checkIn");
  return checkIn(state, decoded);
}

describe("check-in", () => {
  test("each start that continues the last accepted one is accepted and recorded", () => {
    const first = claim(cluster, 0, "a");
    expect(first.result).toEqual({ checkIn: "accepted", nodeId: N, recorded: 1 });
    const second = claim(first.state, 1, "b");
    expect(second.result.checkIn).toBe("accepted");
    expect(second.state.nodes.get(N)?.incarnation).toBe(2);
  });

  test("the same claim again (a retry, a crash before the storage heard back) is accepted", () => {
    const first = claim(cluster, 4, "a");
    expect(claim(first.state, 4, "a").result).toEqual({
      checkIn: "accepted",
      nodeId: N,
      recorded: 5,
    });
  });

  test("a restored backup holds an older incarnation: stale, and restarting it never helps", () => {
    let state = claim(cluster, 0, "a").state;
    state = claim(state, 1, "b").state;
    state = claim(state, 2, "c").state;
    // The backup was taken after the first start: it holds 1.
    const restored = claim(state, 1, "d");
    expect(restored.result).toEqual({ checkIn: "stale", nodeId: N, recorded: 3 });
    expect(restored.state).toBe(state);
    // A refused storage keeps its claim, so it asks the same again at every start.
    expect(claim(state, 1, "d").result.checkIn).toBe("stale");
  });

  test("of two clones of one directory, only the first to check in is accepted", () => {
    const accepted = claim(claim(cluster, 0, "a").state, 1, "original");
    expect(accepted.result.checkIn).toBe("accepted");
    expect(claim(accepted.state, 1, "clone").result.checkIn).toBe("stale");
  });

  test("a claim that skips an incarnation is stale; a removed node is told so", () => {
    const state = claim(cluster, 0, "a").state;
    const skipping = { type: "checkIn", nodeId: N, previous: 1, incarnation: 3, nonce: "x" };
    expect(checkIn(state, skipping as never).result.checkIn).toBe("stale");
    const gone = { ...state, nodes: new Map() };
    expect(claim(gone, 1, "b").result.checkIn).toBe("not-a-member");
  });
});
