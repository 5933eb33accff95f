import { describe, expect, test } from "bun:test";
import { type GroupId, groupId, RaftoralError } from "../lib/index.ts";
import { EVICTED_PHRASE } from "../workflow/index.ts";
import {
  findInEveryGroup,
  type GroupView,
  isEvictedAnswer,
  managementCatchUp,
} from "./evicted-lookup.ts";

const G1 = groupId(1);
const G2 = groupId(2);
const evicted = new RaftoralError(
  "NOT_FOUND",
  `workflow w finished (Completed) and ${EVICTED_PHRASE}`,
);
const unknown = new RaftoralError("NOT_FOUND", "workflow w is not in execution cluster 1");

/** A node's view of the groups, already caught up with the management group. */
function viewOf(groups: readonly GroupId[]): GroupView {
  return { groups: () => groups, catchUpManagement: async () => undefined };
}

describe("findInEveryGroup", () => {
  test("a group's answer wins over the others' NOT_FOUND", async () => {
    const found = await findInEveryGroup(
      viewOf([G1, G2]),
      async (id) => {
        if (id === G1) throw unknown;
        return "here";
      },
      "nowhere",
    );
    expect(found).toBe("here");
  });

  test("when no group has it, a group's 'evicted' answer is passed on", async () => {
    const error = await findInEveryGroup(
      viewOf([G1, G2]),
      async (id) => {
        throw id === G1 ? unknown : evicted;
      },
      "nowhere",
    ).catch((caught: unknown) => caught);
    expect(error).toBe(evicted);
  });

  test("when every group says unknown, the generic NOT_FOUND names the id", async () => {
    const error = await findInEveryGroup(
      viewOf([G1, G2]),
      async () => {
        throw unknown;
      },
      "workflow w is not known to any execution cluster",
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "NOT_FOUND",
      message: "workflow w is not known to any execution cluster",
    });
  });

  test("a node whose view lags catches up before it says NOT_FOUND, and asks the new groups", async () => {
    // A node that has just joined: its management state knows group 1 only, group 2 was
    // created by a split it has not applied yet.
    let known = [G1];
    const asked: GroupId[] = [];
    const view: GroupView = {
      groups: () => known,
      catchUpManagement: async () => {
        known = [G1, G2];
      },
    };
    const found = await findInEveryGroup(
      view,
      async (id) => {
        asked.push(id);
        if (id === G1) throw unknown;
        return "here";
      },
      "nowhere",
    );
    expect(found).toBe("here");
    expect(asked).toEqual([G1, G2]);
  });

  test("knowing no group and unable to catch up, a node says it cannot serve, not NOT_FOUND", async () => {
    const noLeader = new RaftoralError("NO_LEADER", "the management group has no leader");
    const view: GroupView = {
      groups: () => [],
      catchUpManagement: async () => {
        throw noLeader;
      },
    };
    const error = await findInEveryGroup(view, async () => "here", "nowhere").catch(
      (caught: unknown) => caught,
    );
    expect(error).toBe(noLeader);
  });

  test("another error is not swallowed", async () => {
    const unavailable = new RaftoralError("UNAVAILABLE", "group 2 has no leader");
    const error = await findInEveryGroup(
      viewOf([G1, G2]),
      async (id) => {
        throw id === G1 ? unknown : unavailable;
      },
      "nowhere",
    ).catch((caught: unknown) => caught);
    expect(error).toBe(unavailable);
  });

  test("a wait that ran out wins over another group's failure to answer", async () => {
    // A wait without its cluster for a workflow still running, while another execution
    // cluster has no leader: the caller's deadline passed, which is not "retry elsewhere".
    const unavailable = new RaftoralError("UNAVAILABLE", "group 2 has no leader");
    const timedOut = new RaftoralError("TIMEOUT", "workflow w still running after 1 s");
    const error = await findInEveryGroup(
      viewOf([G2, G1]),
      async (id) => {
        if (id === G2) throw unavailable;
        await new Promise((resolve) => setTimeout(resolve, 0));
        throw timedOut;
      },
      "nowhere",
    ).catch((caught: unknown) => caught);
    expect(error).toBe(timedOut);
  });

  test("the holder's FAILED_PRECONDITION wins over another group's earlier failure", async () => {
    // A signal or cancel of a finished workflow, named without its cluster, while another
    // execution cluster has no leader: the answer is the holder's, not "retry".
    const unavailable = new RaftoralError("UNAVAILABLE", "group 2 has no leader");
    const finished = new RaftoralError("FAILED_PRECONDITION", "workflow w already completed");
    const error = await findInEveryGroup(
      viewOf([G2, G1]),
      async (id) => {
        if (id === G2) throw unavailable;
        // After group 2's failure was seen: the next macrotask.
        await new Promise((resolve) => setTimeout(resolve, 0));
        throw finished;
      },
      "nowhere",
    ).catch((caught: unknown) => caught);
    expect(error).toBe(finished);
  });
});

test("isEvictedAnswer tells evicted from unknown by the fixed phrase and the code", () => {
  expect(isEvictedAnswer(evicted)).toBe(true);
  expect(isEvictedAnswer(unknown)).toBe(false);
  expect(isEvictedAnswer(new RaftoralError("INTERNAL", EVICTED_PHRASE))).toBe(false);
  expect(isEvictedAnswer(new Error(EVICTED_PHRASE))).toBe(false);
});

test("the catch-up is refused at once while no management leader is known, else a read", async () => {
  let leader = 0;
  const reads: number[] = [];
  const host = {
    inspect: () => ({ leaderId: () => leader }),
    read: async (_group: unknown, options?: { timeoutMs?: number }) => {
      reads.push(options?.timeoutMs ?? 0);
    },
  } as unknown as Parameters<typeof managementCatchUp>[0];
  const catchUp = managementCatchUp(host, 7_000);
  // A read would wait out its 7 s for a leader; a list answers from its own view instead.
  expect(await catchUp().catch((error: RaftoralError) => error.code)).toBe("NO_LEADER");
  expect(reads).toEqual([]);
  leader = 2;
  await catchUp();
  expect(reads).toEqual([7_000]);
});
