import { expect, test } from "bun:test";
import { groupId, nodeId, RaftoralError } from "../lib/index.ts";
import type { LeaderlessGroup } from "./leader-watch.ts";
import { ReplicaRefusal } from "./replica-refusal.ts";

/** A watch whose group 1 loses its leader when the test says so. */
function watched(hearsMajority = false) {
  const listeners = new Set<(group: LeaderlessGroup) => void>();
  let lost: LeaderlessGroup | undefined;
  const refusal = new ReplicaRefusal({
    leaderless: (id) => (lost?.groupId === id ? lost : undefined),
    onLeaderless: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    catchingUp: () => undefined,
  });
  const loseLeader = () => {
    lost = {
      groupId: groupId(1),
      leaderlessMs: 6_000,
      unreachableVoters: [nodeId(2), nodeId(3)],
      hearsMajority,
      isUnreachedByVoters: false,
      isNewReplica: false,
    };
    for (const listener of listeners) listener(lost);
  };
  return { refusal, loseLeader, listeners };
}

test("a write already waiting when its group loses its leader fails, saying it may be done", async () => {
  const { refusal, loseLeader, listeners } = watched();
  const waiting = refusal.guardWrite(groupId(1), () => new Promise<string>(() => undefined));
  const caught = waiting.catch((error: unknown) => error);
  loseLeader();
  const error = await caught;
  expect(error).toBeInstanceOf(RaftoralError);
  expect(error).toMatchObject({ code: "TIMEOUT", isAnswerLost: true });
  expect((error as Error).message).toContain(
    "this call may still be done once its voters are back",
  );
  expect(listeners.size).toBe(0);
  // Once the group is known to be without a leader, a new write is refused before it starts.
  let isWritten = false;
  const refused = refusal.guardWrite(groupId(1), async () => {
    isWritten = true;
  });
  await expect(refused).rejects.toMatchObject({ code: "UNAVAILABLE", isAnswerLost: false });
  expect(isWritten).toBe(false);
});

test("a write in another group, or one that ends first, is left alone", async () => {
  const { refusal, loseLeader } = watched();
  const other = refusal.guardWrite(groupId(2), async () => "done");
  loseLeader();
  expect(await other).toBe("done");
});

test("a group whose voters this node mostly hears is refused without pointing at cluster recover", async () => {
  // Only this node does not hear the leader (a slow or one-sided link): the group has its
  // majority, and `cluster recover` would be the wrong way out.
  const { refusal, loseLeader } = watched(true);
  const waiting = refusal.guardWrite(groupId(1), () => new Promise<string>(() => undefined));
  const caught = waiting.catch((error: unknown) => error);
  loseLeader();
  const lost = (await caught) as RaftoralError;
  expect(lost).toMatchObject({ code: "TIMEOUT", isAnswerLost: true });
  expect(lost.message).toContain("This call may still be done: ask another node");
  const refused = (await refusal
    .guardWrite(groupId(1), async () => undefined)
    .catch((error: unknown) => error)) as RaftoralError;
  expect(refused.code).toBe("UNAVAILABLE");
  expect(refused.message).toContain("the group most likely works without this node");
  expect(refused.message).toContain("Call another node, or retry here once this node hears");
  for (const error of [lost, refused]) {
    expect(error.message).not.toContain("cluster recover");
    expect(error.message).not.toContain("lost its majority");
  }
});
