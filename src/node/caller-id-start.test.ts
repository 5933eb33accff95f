import { expect, test } from "bun:test";
import { bootstrappedManagement } from "../../test/support/management-log.ts";
import {
  createLogger,
  type GroupId,
  groupId,
  logIndex,
  nodeId,
  RaftoralError,
} from "../lib/index.ts";
import { decodeManagementCommand } from "../management/index.ts";
import { WorkflowRefusedError } from "../workflow/index.ts";
import { type CallerIdStartDeps, startWithCallerId } from "./caller-id-start.ts";

/**
 * A cluster of groups 1 and 2 where no group knows the id yet, and every claim names the
 * group chosen for it (counting its starters if `counted`). `startIn` answers each start, in
 * order; `released` lists each release, `starter` for one that ends only this starter's part,
 * and `urgent` those proposed at once rather than batched.
 */
type Answer = RaftoralError | "started" | { readonly forwarded: RaftoralError };

function cluster(answers: readonly Answer[], counted = false) {
  const started: GroupId[] = [];
  const released: string[] = [];
  const urgent: string[] = [];
  let next = 0;
  const propose = async (bytes: Uint8Array) => {
    const command = decodeManagementCommand(bytes);
    if (command.type === "releaseWorkflowId") {
      released.push(command.starterOnly === true ? "starter" : "claim");
    }
    if (command.type !== "claimWorkflowId") return {};
    const claim = { groupId: command.groupId, claimedAt: logIndex(7) };
    return { claim: counted ? { ...claim, starters: 1 } : claim };
  };
  const deps: CallerIdStartDeps = {
    proposeManagement: (bytes) => {
      const command = decodeManagementCommand(bytes);
      if (command.type === "releaseWorkflowId") urgent.push(command.workflowId);
      return propose(bytes);
    },
    proposeManagementLater: propose,
    groups: () => [groupId(1), groupId(2)],
    holderOf: (id) => id,
    chooseGroup: async (excluded) => (excluded.includes(groupId(1)) ? groupId(2) : groupId(1)),
    isKnownIn: async () => false,
    startIn: async (id, onForwarded) => {
      started.push(id);
      const answer = answers[next++];
      if (answer instanceof RaftoralError) throw answer;
      if (answer !== undefined && answer !== "started") {
        onForwarded();
        throw answer.forwarded;
      }
      return { workflowId: "order-1", executionClusterId: id, alreadyStarted: false };
    },
    isSealedHere: () => false,
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
  };
  return { deps, started, released, urgent };
}

/** The releases proposed so far, once the ones not awaited have gone out. */
async function releasesOf(released: readonly string[]): Promise<readonly string[]> {
  await releasesSent();
  return released;
}

test("a start whose group left this node is sent again, under the same claim", async () => {
  const gone = new RaftoralError("UNKNOWN_GROUP", "this node does not host the group");
  const { deps, started } = cluster([gone, "started"]);
  const result = await startWithCallerId(deps, "order-1");
  expect(result).toEqual({
    workflowId: "order-1",
    executionClusterId: groupId(1),
    alreadyStarted: false,
  });
  expect(started).toEqual([groupId(1), groupId(1)]);
});

test("a start failing the same way every round ends with that failure", async () => {
  const notFound = new RaftoralError("NOT_FOUND", "unknown workflow order v2");
  const { deps, started } = cluster([notFound, notFound, notFound]);
  await expect(startWithCallerId(deps, "order-1")).rejects.toBe(notFound);
  expect(started).toHaveLength(3);
});

test("a start whose outcome is unknown is not sent again", async () => {
  const timeout = new RaftoralError("TIMEOUT", "it may still be applied");
  const { deps, started } = cluster([timeout, "started"]);
  await expect(startWithCallerId(deps, "order-1")).rejects.toBe(timeout);
  expect(started).toEqual([groupId(1)]);
});

test("a start the group refuses keeps its claim (another starter's may be in flight)", async () => {
  const floor = new RaftoralError("RESOURCE_EXHAUSTED", "past the retention floor");
  const { deps, started, released } = cluster([floor]);
  await expect(startWithCallerId(deps, "order-1")).rejects.toBe(floor);
  expect(started).toEqual([groupId(1)]);
  await Promise.resolve();
  expect(released).toEqual([]);
});

test("a start whose outcome is unknown keeps its claim", async () => {
  const timeout = new RaftoralError("TIMEOUT", "it may still be applied");
  const { deps, released } = cluster([timeout]);
  await expect(startWithCallerId(deps, "order-1")).rejects.toBe(timeout);
  await Promise.resolve();
  expect(released).toEqual([]);
});

test("a start refused here ends this starter's part of a counted claim", async () => {
  const full = new WorkflowRefusedError("RESOURCE_EXHAUSTED", "order-1", "the group is full");
  const { deps, released } = cluster([full], true);
  await expect(startWithCallerId(deps, "order-1")).rejects.toBe(full);
  expect(await releasesOf(released)).toEqual(["starter"]);
  // Without a count (a member's build is older), the claim is left as it was.
  const uncounted = cluster([full]);
  await expect(startWithCallerId(uncounted.deps, "order-1")).rejects.toBe(full);
  expect(await releasesOf(uncounted.released)).toEqual([]);
});

test("a start here whose outcome is unknown keeps this starter's part", async () => {
  const timeout = new RaftoralError("TIMEOUT", "it may still be applied");
  const { deps, released } = cluster([timeout], true);
  await expect(startWithCallerId(deps, "order-1")).rejects.toBe(timeout);
  expect(await releasesOf(released)).toEqual([]);
});

test("a forwarded start that fails ends this starter's part: the member counts its own", async () => {
  const timeout = new RaftoralError("TIMEOUT", "it may still be applied");
  const { deps, released } = cluster([{ forwarded: timeout }], true);
  await expect(startWithCallerId(deps, "order-1")).rejects.toBe(timeout);
  expect(await releasesOf(released)).toEqual(["starter"]);
});

test("a look-up that fails ends this starter's part, and one that succeeds releases the claim", async () => {
  const { deps, released } = cluster(["started"], true);
  const down = new RaftoralError("UNAVAILABLE", "execution cluster 2 has no leader");
  const failing = { ...deps, isKnownIn: async () => Promise.reject(down) };
  await expect(startWithCallerId(failing, "order-1")).rejects.toBe(down);
  expect(await releasesOf(released)).toEqual(["starter"]);
  await startWithCallerId(deps, "order-1");
  expect(await releasesOf(released)).toEqual(["starter", "claim"]);
});

test("a refusal of one starter's Start keeps the claim another starter's Start still holds", async () => {
  // The management state's claims, shared as claimWorkflowId shares them: a later claim of a
  // claimed id gets the same claim back, and a release removes it for every starter.
  const claims = new Map<string, { groupId: GroupId; claimedAt: ReturnType<typeof logIndex> }>();
  let index = 0;
  const committed: GroupId[] = [];
  let commitFirst: () => void = () => undefined;
  let startCalls = 0;
  const proposeManagement = async (bytes: Uint8Array) => {
    const command = decodeManagementCommand(bytes);
    if (command.type === "releaseWorkflowId") {
      if (claims.get(command.workflowId)?.claimedAt === command.claimedAt)
        claims.delete(command.workflowId);
      return {};
    }
    if (command.type !== "claimWorkflowId") return {};
    const claim = claims.get(command.workflowId) ?? {
      groupId: command.groupId,
      claimedAt: logIndex(++index),
    };
    claims.set(command.workflowId, claim);
    return { claim };
  };
  const deps = (choose: GroupId): CallerIdStartDeps => ({
    proposeManagement,
    proposeManagementLater: proposeManagement,
    groups: () => [groupId(1), groupId(2)],
    holderOf: (id) => id,
    chooseGroup: async () => choose,
    // Group 1 knows the id only once the first Start commits.
    isKnownIn: async (id) => committed.includes(id),
    startIn: async (id) => {
      startCalls++;
      if (startCalls === 1) {
        // The first starter's Start is in flight (proposed, not committed yet).
        await new Promise<void>((resolve) => {
          commitFirst = resolve;
        });
        committed.push(id);
        return { workflowId: "order-1", executionClusterId: id, alreadyStarted: false };
      }
      if (startCalls === 2) {
        // The second starter's own proposal is refused at apply: the group is full.
        throw new RaftoralError("RESOURCE_EXHAUSTED", "execution cluster 1 runs its maximum");
      }
      committed.push(id);
      return { workflowId: "order-1", executionClusterId: id, alreadyStarted: false };
    },
    isSealedHere: () => false,
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
  });
  const first = startWithCallerId(deps(groupId(1)), "order-1");
  await new Promise((resolve) => setTimeout(resolve, 0));
  await expect(startWithCallerId(deps(groupId(1)), "order-1")).rejects.toThrow("maximum");
  await new Promise((resolve) => setTimeout(resolve, 0));
  // A third start (the client's retry elsewhere) while the first Start is still in flight:
  // group 1 is full, so a fresh claim would name group 2.
  const third = startWithCallerId(deps(groupId(2)), "order-1");
  await new Promise((resolve) => setTimeout(resolve, 0));
  commitFirst();
  await first;
  await third.catch(() => undefined);
  // The id must have started in one group only.
  expect(new Set(committed).size).toBe(1);
});

test("under counted claims, a refused starter leaves no claim, and one in flight keeps it", async () => {
  // The management state itself, with counted claims (rules 3) and groups 1 and 2.
  const { machine, apply } = bootstrappedManagement({ rulesVersion: 3 });
  apply({ type: "createGroup", members: [nodeId(1)] });
  apply({ type: "createGroup", members: [nodeId(1)] });
  const committed: GroupId[] = [];
  let commitFirst: () => void = () => undefined;
  const full = new WorkflowRefusedError("RESOURCE_EXHAUSTED", "order-1", "group 1 is full");
  const deps = (choose: number, start: (id: GroupId) => Promise<void>): CallerIdStartDeps => ({
    ...cluster([]).deps,
    proposeManagement: async (bytes) => apply(decodeManagementCommand(bytes)),
    proposeManagementLater: async (bytes) => apply(decodeManagementCommand(bytes)),
    chooseGroup: async () => groupId(choose),
    isKnownIn: async (id) => committed.includes(id),
    startIn: async (id) => {
      await start(id);
      return { workflowId: "order-1", executionClusterId: id, alreadyStarted: false };
    },
  });
  const refused = async () => Promise.reject(full);
  await expect(startWithCallerId(deps(1, refused), "order-1")).rejects.toBe(full);
  await releasesSent();
  expect(machine.state().workflowIdClaims.size).toBe(0);
  // One Start in flight, a second starter refused, a third (group 1 full, so it would
  // choose group 2) while the first is still in flight: all go to group 1.
  const first = startWithCallerId(
    deps(1, async (id) => {
      await new Promise<void>((resolve) => {
        commitFirst = resolve;
      });
      committed.push(id);
    }),
    "order-1",
  );
  await releasesSent();
  await expect(startWithCallerId(deps(1, refused), "order-1")).rejects.toBe(full);
  await releasesSent();
  expect(machine.state().workflowIdClaims.get("order-1")).toMatchObject({
    groupId: 1,
    starters: 1,
  });
  const third = startWithCallerId(
    deps(2, async (id) => {
      committed.push(id);
    }),
    "order-1",
  );
  await releasesSent();
  commitFirst();
  await first;
  await third;
  await releasesSent();
  expect(new Set(committed)).toEqual(new Set([groupId(1)]));
  expect(machine.state().workflowIdClaims.size).toBe(0);
});

/** Lets the releases that are not awaited reach the management state. */
function releasesSent(): Promise<unknown> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

test("releases wait for a batch, but a claim on a group sealed before the look-up goes at once", async () => {
  const { deps, started, released, urgent } = cluster(["started"]);
  await startWithCallerId(deps, "order-1");
  expect(await releasesOf(released)).toEqual(["claim"]);
  expect(urgent).toEqual([]);
  // Group 1 sealed and nobody knows the id: the claim must go before the next round claims
  // again, or that claim would name group 1 once more.
  released.length = 0;
  const sealed = { ...deps, isSealedHere: (id: GroupId) => id === groupId(1) };
  expect(await startWithCallerId(sealed, "order-1")).toEqual({
    workflowId: "order-1",
    executionClusterId: groupId(2),
    alreadyStarted: false,
  });
  expect(started).toEqual([groupId(1), groupId(2)]);
  expect(await releasesOf(released)).toEqual(["claim", "claim"]);
  expect(urgent).toEqual(["order-1"]);
});

test("the claimed group is asked only once sealed; the Start there answers for the id otherwise", async () => {
  const asked: GroupId[] = [];
  const { deps, started } = cluster(["started"]);
  const recording = {
    ...deps,
    isKnownIn: async (id: GroupId) => {
      asked.push(id);
      return false;
    },
  };
  await startWithCallerId(recording, "order-1");
  expect([asked, started]).toEqual([[groupId(2)], [groupId(1)]]);
  // Sealed before the look-up, and knowing the id: asked, and the start goes to it.
  asked.length = 0;
  const sealed = {
    ...recording,
    isSealedHere: (id: GroupId) => id === groupId(1),
    isKnownIn: async (id: GroupId) => {
      asked.push(id);
      return id === groupId(1);
    },
    startIn: async (id: GroupId) => ({
      workflowId: "order-1",
      executionClusterId: id,
      alreadyStarted: false,
    }),
  };
  expect(await startWithCallerId(sealed, "order-1")).toEqual({
    workflowId: "order-1",
    executionClusterId: groupId(1),
    alreadyStarted: false,
  });
  expect(asked).toEqual([groupId(1), groupId(2)]);
});
