import { expect, test } from "bun:test";
import type { ProtocolClient } from "../client/index-core.ts";
import { groupId, nodeId, RaftoralError } from "../lib/index.ts";
import { emptyManagementState, type ManagementState } from "../management/index.ts";
import { type ForwardOptions, forwardToGroup } from "./group-forward.ts";
import { PeerClients } from "./peer-clients.ts";

/**
 * Group 1 on nodes 2 and 3 (node 1 asks); node n listens at "node-n". `leaderId` is the
 * group's leader as it last reported itself (0: none reported yet).
 */
function state(leaderId = 0): ManagementState {
  const nodes = new Map(
    [1, 2, 3].map((id) => [nodeId(id), { id: nodeId(id), address: `node-${id}` }]),
  );
  const voters = [nodeId(2), nodeId(3)];
  const group = { id: groupId(1), members: voters, voters, leaderId: nodeId(leaderId) };
  return { ...emptyManagementState(), nodes, groups: new Map([[groupId(1), group]]) } as never;
}

/** Node 1's view of group 1, with a client for each other node (calls answer as told). */
function contextOfNode1(leaderId = 0) {
  const clients = new PeerClients(
    (_kind: unknown, address: string) =>
      ({ address, close: async () => undefined }) as unknown as ProtocolClient,
  );
  return { state: state(leaderId), self: nodeId(1), transport: "grpc" as const, clients };
}

/** Forwards a call that fails on node 2 with `failure` and answers "done" on node 3. */
async function forwardFailingOnce(failure: RaftoralError, options?: ForwardOptions) {
  const asked: string[] = [];
  const context = contextOfNode1();
  const call = async (peer: ProtocolClient) => {
    asked.push(peer.address);
    if (peer.address === "node-2") throw failure;
    return "done";
  };
  const outcome = await forwardToGroup(context, groupId(1), call, options).catch((e) => e);
  return { outcome, asked };
}

const lost = new RaftoralError("UNAVAILABLE", "node-2 unavailable: connection reset", {
  isAnswerLost: true,
});
const refused = new RaftoralError("UNAVAILABLE", "execution cluster 1 is still forming");

test("a member that answers it cannot serve is followed by the next", async () => {
  for (const isRepeatable of [true, false]) {
    const { outcome, asked } = await forwardFailingOnce(refused, { isRepeatable });
    expect({ outcome, asked }).toEqual({ outcome: "done", asked: ["node-2", "node-3"] });
  }
});

test("after a lost answer, only a repeatable call goes to the next member", async () => {
  const repeated = await forwardFailingOnce(lost, { isRepeatable: true });
  expect(repeated).toEqual({ outcome: "done", asked: ["node-2", "node-3"] });
  const once = await forwardFailingOnce(lost, { isRepeatable: false });
  expect(once).toEqual({ outcome: lost, asked: ["node-2"] });
});

test("calls are repeatable unless the caller says otherwise", async () => {
  const { outcome, asked } = await forwardFailingOnce(lost);
  expect({ outcome, asked }).toEqual({ outcome: "done", asked: ["node-2", "node-3"] });
});

test("this node's own limit of calls to a member moves on to the next; at every one, UNAVAILABLE", async () => {
  const busy = new RaftoralError(
    "RESOURCE_EXHAUSTED",
    "too many calls in flight to node-2 (limit 100)",
  );
  for (const isRepeatable of [true, false]) {
    const { outcome, asked } = await forwardFailingOnce(busy, { isRepeatable });
    expect({ outcome, asked }).toEqual({ outcome: "done", asked: ["node-2", "node-3"] });
  }
  const context = contextOfNode1();
  const failure = await forwardToGroup(context, groupId(1), async () => {
    throw busy;
  }).catch((error: unknown) => error);
  expect(failure).toMatchObject({ code: "UNAVAILABLE" });
  expect((failure as Error).message).toStartWith(
    "node 1 has too many calls waiting on execution cluster 1's members to forward this one",
  );
  // The group's own answer that it is full stays what it is.
  const full = new RaftoralError("RESOURCE_EXHAUSTED", "the group runs too many", {
    isAnswer: true,
  });
  expect((await forwardFailingOnce(full)).outcome).toBe(full);
});

test("a member of the group refuses at once instead of forwarding to the others", async () => {
  const asked: string[] = [];
  const client = (_kind: unknown, address: string) =>
    ({ address, close: async () => undefined }) as unknown as ProtocolClient;
  const context = {
    state: state(),
    self: nodeId(2),
    transport: "http" as const,
    clients: new PeerClients(client),
  };
  const failure = await forwardToGroup(context, groupId(1), async (peer) => {
    asked.push(peer.address);
    return "done";
  }).catch((error: unknown) => error);
  expect(asked).toEqual([]);
  expect(failure).toMatchObject({ code: "UNAVAILABLE" });
  expect((failure as Error).message).toContain(
    "node 2 does not run its replica of execution cluster 1 yet",
  );
});

test("when no member serves, a member's answer is reported, not the unreachable one asked last", async () => {
  const answer = new RaftoralError(
    "UNAVAILABLE",
    "Execution cluster 1 has had no leader for 12 s (voters 3 unreachable)",
    { isAnswer: true },
  );
  const unreachable = new RaftoralError("UNAVAILABLE", "node-3 unavailable: connect ECONNREFUSED");
  const context = contextOfNode1();
  const failure = await forwardToGroup(context, groupId(1), async (peer) => {
    throw peer.address === "node-2" ? answer : unreachable;
  }).catch((error: unknown) => error);
  expect(failure).toBe(answer);
});

test("a member's refusal of this node's proof is passed on as this node's trouble, not the caller's", async () => {
  const refused = new RaftoralError(
    "UNAUTHENTICATED",
    "/raftoral.RaftService/RunWorkflowAsync: the cluster secret proof (x-raftoral-peer) is wrong: it is 600 s old; the limit is 300 s either way",
  );
  const context = contextOfNode1();
  const failure = await forwardToGroup(context, groupId(1), async () => {
    throw refused;
  }).catch((error: unknown) => error);
  expect(failure).toMatchObject({ code: "UNAVAILABLE" });
  expect((failure as Error).message).toStartWith("node-2 refused this node: ");
});

test("the group's reported leader is asked first: a start is not lost to a member that hangs", async () => {
  // Node 2, the first voter, hangs (its answer is lost after 5 s); node 3 leads the group now.
  const asked: string[] = [];
  const call = async (peer: ProtocolClient) => {
    asked.push(peer.address);
    if (peer.address === "node-2") throw lost;
    return "done";
  };
  const once = { isRepeatable: false };
  expect(await forwardToGroup(contextOfNode1(3), groupId(1), call, once)).toBe("done");
  expect(asked).toEqual(["node-3"]);
  // No leader reported yet, or one no longer a member: the members in their order.
  for (const leaderId of [0, 1]) {
    asked.length = 0;
    const failure = await forwardToGroup(contextOfNode1(leaderId), groupId(1), call, once).catch(
      (error: unknown) => error,
    );
    expect({ failure, asked }).toEqual({ failure: lost, asked: ["node-2"] });
  }
});

test("a forwarded call says it did nothing only when no member may have done it", async () => {
  const unreachable = new RaftoralError("UNAVAILABLE", "node-3 unavailable: connect ECONNREFUSED");
  const undone = new RaftoralError("UNAVAILABLE", "node 2 is still starting", {
    isAnswer: true,
    isNotDone: true,
  });
  const answered = new RaftoralError("UNAVAILABLE", "no leader for 12 s", { isAnswer: true });
  const outcomes = [];
  for (const fromNode2 of [unreachable, undone, answered, lost]) {
    const failure = await forwardToGroup(contextOfNode1(), groupId(1), async (peer) => {
      throw peer.address === "node-2" ? fromNode2 : unreachable;
    }).catch((error: unknown) => error as RaftoralError);
    outcomes.push([failure.message, failure.isNotDone]);
  }
  expect(outcomes).toEqual([
    [unreachable.message, true],
    [undone.message, true],
    [answered.message, false],
    [unreachable.message, false],
  ]);
  // A member that does not run its replica yet refuses before anything is sent.
  const member = { ...contextOfNode1(), self: nodeId(2) };
  const refusal = await forwardToGroup(member, groupId(1), async () => "done").then(
    () => undefined,
    (error: unknown) => error as RaftoralError,
  );
  expect(refusal?.isNotDone).toBe(true);
});
