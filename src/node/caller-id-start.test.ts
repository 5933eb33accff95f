import { expect, test } from "bun:test";
import { createLogger, type GroupId, groupId, logIndex, RaftoralError } from "../lib/index.ts";
import { decodeManagementCommand } from "../management/index.ts";
import { type CallerIdStartDeps, startWithCallerId } from "./caller-id-start.ts";

/**
 * A cluster of groups 1 and 2 where no group knows the id yet, and every claim names the
 * group chosen for it. `startIn` answers each start, in order.
 */
function cluster(answers: readonly (RaftoralError | "started")[]) {
  const started: GroupId[] = [];
  const released: string[] = [];
  let next = 0;
  const deps: CallerIdStartDeps = {
    proposeManagement: async (bytes) => {
      const command = decodeManagementCommand(bytes);
      if (command.type === "releaseWorkflowId") released.push(command.workflowId);
      if (command.type !== "claimWorkflowId") return {};
      return { claim: { groupId: command.groupId, claimedAt: logIndex(7) } };
    },
    catchUpManagement: async () => undefined,
    groups: () => [groupId(1), groupId(2)],
    holderOf: (id) => id,
    chooseGroup: async (excluded) => (excluded.includes(groupId(1)) ? groupId(2) : groupId(1)),
    isKnownIn: async () => false,
    startIn: async (id) => {
      started.push(id);
      const answer = answers[next++];
      if (answer instanceof RaftoralError) throw answer;
      return { workflowId: "order-1", executionClusterId: id };
    },
    isSealedHere: () => false,
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
  };
  return { deps, started, released };
}

test("a start whose group left this node is sent again, under the same claim", async () => {
  const gone = new RaftoralError("UNKNOWN_GROUP", "this node does not host the group");
  const { deps, started } = cluster([gone, "started"]);
  const result = await startWithCallerId(deps, "order-1");
  expect(result).toEqual({ workflowId: "order-1", executionClusterId: groupId(1) });
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

test("a refusal of one starter's Start keeps the claim another starter's Start still holds", async () => {
  // The management state's claims, shared as claimWorkflowId shares them: a later claim of a
  // claimed id gets the same claim back, and a release removes it for every starter.
  const claims = new Map<string, { groupId: GroupId; claimedAt: ReturnType<typeof logIndex> }>();
  let index = 0;
  const committed: GroupId[] = [];
  let commitFirst: () => void = () => undefined;
  let startCalls = 0;
  const deps = (choose: GroupId): CallerIdStartDeps => ({
    proposeManagement: async (bytes) => {
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
    },
    catchUpManagement: async () => undefined,
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
        return { workflowId: "order-1", executionClusterId: id };
      }
      if (startCalls === 2) {
        // The second starter's own proposal is refused at apply: the group is full.
        throw new RaftoralError("RESOURCE_EXHAUSTED", "execution cluster 1 runs its maximum");
      }
      committed.push(id);
      return { workflowId: "order-1", executionClusterId: id };
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
