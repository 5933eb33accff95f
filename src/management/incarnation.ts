// Incarnations catch a node that starts from an old copy of its storage (a restored backup,
// a clone that ran elsewhere). Such a copy has a shorter log and an older term and vote than
// the node promised before: taking part in Raft with it could lose acknowledged entries or
// vote twice in one term. So every start of a node's storage claims the next incarnation
// through the management log, and the cluster accepts a claim only from the storage that made
// the last accepted one. Pure: the rule of the checkIn command.
//
// 1. The storage holds P, the last incarnation the cluster accepted from it, and writes a
//    claim (P + 1, nonce) before it checks in.
// 2. The cluster records, per node, the last accepted incarnation R and its nonce.
// 3. P = R (or R = 0: nothing recorded since the node registered): accepted, R := P + 1.
//    The same claim again (a retry, or a crash before the storage heard back): accepted.
//    Anything else: stale. An old copy holds an older P; of two copies of one directory,
//    only the first to check in gets P + 1 with its nonce.
// 4. Only an accepted storage writes P + 1, so restarting a refused copy never catches up.

import type { NodeId } from "../lib/index.ts";
import type { ManagementCommand } from "./commands.ts";
import {
  everyMemberApplies,
  type ManagementState,
  PAIRED_WAITS_RULES,
} from "./management-state.ts";

type CheckIn = Extract<ManagementCommand, { type: "checkIn" }>;

/** What a check-in got: the incarnation the cluster records for the node afterwards. */
export interface CheckInResult {
  readonly checkIn: "accepted" | "stale" | "not-a-member";
  readonly nodeId: NodeId;
  readonly recorded: number;
}

/** Applies a checkIn command (see the rule above). */
export function checkIn(
  state: ManagementState,
  command: CheckIn,
): { state: ManagementState; result: CheckInResult } {
  const { nodeId } = command;
  const node = state.nodes.get(nodeId);
  // Removed meanwhile: registering again makes it a member with nothing recorded.
  if (node === undefined)
    return { state, result: { checkIn: "not-a-member", nodeId, recorded: 0 } };
  const isRetry =
    command.incarnation === node.incarnation && command.nonce === node.incarnationNonce;
  const isNext =
    command.incarnation === command.previous + 1 &&
    (node.incarnation === 0 || command.previous === node.incarnation);
  if (isRetry) {
    const accepted = { checkIn: "accepted", nodeId, recorded: node.incarnation } as const;
    if (!isRulesCatchUp(state, node, command)) return { state, result: accepted };
    const rulesVersion = command.rulesVersion ?? 0;
    const record = { ...node, rulesVersion };
    return {
      state: { ...state, nodes: new Map(state.nodes).set(nodeId, record) },
      result: accepted,
    };
  }
  if (!isNext) return { state, result: { checkIn: "stale", nodeId, recorded: node.incarnation } };
  const record = {
    ...node,
    incarnation: command.incarnation,
    incarnationNonce: command.nonce,
    ...(command.workflowFingerprint === undefined
      ? {}
      : { workflowFingerprint: command.workflowFingerprint }),
    rulesVersion: command.rulesVersion ?? 0,
  };
  return {
    state: { ...state, nodes: new Map(state.nodes).set(nodeId, record) },
    result: { checkIn: "accepted", nodeId, recorded: command.incarnation },
  };
}

/**
 * Rules 2: a retry from a newer build (the first answer was lost across an upgrade) records
 * its rules, once every other member applies rules 2. Every replica is then of such a build
 * and decides alike; before, the node counted as older until its next restart, which held
 * waits awaited together (src/workflow/wait-pairs.ts).
 */
function isRulesCatchUp(
  state: ManagementState,
  node: { readonly id: NodeId; readonly rulesVersion: number },
  command: CheckIn,
): boolean {
  const rules = command.rulesVersion ?? 0;
  if (rules <= node.rulesVersion || rules < PAIRED_WAITS_RULES) return false;
  return everyMemberApplies(state, PAIRED_WAITS_RULES, node.id);
}
