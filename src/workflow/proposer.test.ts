import { expect, test } from "bun:test";
import { RaftoralError } from "../lib/index.ts";
import type { WorkflowCommand } from "./commands.ts";
import { proposeKeepingDoubt, type WorkflowProposer } from "./proposer.ts";

const command: WorkflowCommand = {
  type: "Cancel",
  workflowId: "w-1",
  reason: "",
  requestedAtMs: 0,
};
const requested = { type: "cancelRequested", isDuplicate: false };

/** A proposer answering each attempt in turn: an error code to throw, or the result. */
function proposerAnswering(answers: readonly (string | "result")[]) {
  let attempts = 0;
  const proposer: WorkflowProposer = {
    propose: async () => {
      const answer = answers[attempts++];
      if (answer === "result") return requested;
      throw new RaftoralError(answer as never, `attempt ${attempts}: ${answer}`);
    },
    barrier: async () => undefined,
  };
  return { proposer, attempts: () => attempts };
}

function loop(proposer: WorkflowProposer, isActive: () => boolean = () => true) {
  return { proposer, sleep: async () => undefined, isActive, attemptsMax: 3 };
}

test("after an attempt of unknown outcome, giving up says the outcome is unknown", async () => {
  const { proposer } = proposerAnswering(["TIMEOUT", "NO_LEADER", "NO_LEADER"]);
  const failure = await proposeKeepingDoubt(loop(proposer), command).catch((e) => e);
  expect([failure.code, failure.message]).toEqual(["TIMEOUT", "attempt 1: TIMEOUT"]);
});

test("a loop that ends (the runtime closed) after such an attempt says so too", async () => {
  const { proposer, attempts } = proposerAnswering(["TIMEOUT", "NO_LEADER"]);
  const isActive = () => attempts() < 1;
  const failure = await proposeKeepingDoubt(loop(proposer, isActive), command).catch((e) => e);
  expect(failure.code).toBe("TIMEOUT");
});

test("without such an attempt, the last failure is the answer, and an answer wins", async () => {
  const refused = proposerAnswering(["NO_LEADER", "PROPOSAL_DROPPED", "NO_LEADER"]);
  const failure = await proposeKeepingDoubt(loop(refused.proposer), command).catch((e) => e);
  expect([failure.code, failure.message]).toEqual(["NO_LEADER", "attempt 3: NO_LEADER"]);
  const answered = proposerAnswering(["TIMEOUT", "result"]);
  expect(await proposeKeepingDoubt(loop(answered.proposer), command)).toEqual(requested as never);
});

test("a refusal for a limit after such an attempt says the outcome is unknown", async () => {
  const limited = { type: "refused", reason: "limit", message: "the group runs its maximum" };
  let attempts = 0;
  const proposer: WorkflowProposer = {
    propose: async () => {
      attempts++;
      if (attempts === 1) throw new RaftoralError("TIMEOUT", "attempt 1: TIMEOUT");
      return limited;
    },
    barrier: async () => undefined,
  };
  const failure = await proposeKeepingDoubt(loop(proposer), command).catch((e) => e);
  expect([failure.code, failure.message]).toEqual(["TIMEOUT", "attempt 1: TIMEOUT"]);
  attempts = 1;
  expect(await proposeKeepingDoubt(loop(proposer), command)).toEqual(limited as never);
});
