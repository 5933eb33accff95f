// What every management state must satisfy, whatever commands built it. Checked after every
// apply and restore (cheap: linear in nodes and groups, a few entries per second): a state
// that breaks one is a bug in the state machine, and replicating it further would spread it.
// Pure: no I/O, no timers, no await.

import { assert, checkRetention } from "../lib/index.ts";
import type { ManagementState } from "./management-state.ts";

const isSortedUnique = (ids: readonly number[]) =>
  ids.every((id, k) => k === 0 || (ids[k - 1] ?? 0) < id);

export function checkManagementInvariants(state: ManagementState): void {
  if (state.clusterId === "") {
    assert(state.nodes.size === 0 && state.groups.size === 0, "members before the bootstrap");
    return;
  }
  assert(state.maxVoters >= 1, `maxVoters ${state.maxVoters} below 1`);
  assert(state.managementFaultTolerance >= 0, "negative management fault tolerance");
  if (state.retention !== undefined) checkRetention(state.retention);
  const addresses = new Set<string>();
  for (const [id, node] of state.nodes) {
    assert(node.id === id, `node record ${node.id} filed under ${id}`);
    assert(id >= 1 && id < state.nextNodeId, `node ${id} outside 1..${state.nextNodeId - 1}`);
    assert(!state.removedNodes.has(id), `node ${id} is both active and removed`);
    assert(!addresses.has(node.address), `two nodes at ${node.address}`);
    addresses.add(node.address);
  }
  for (const id of state.removedNodes) {
    assert(id >= 1 && id < state.nextNodeId, `removed node ${id} was never handed out`);
  }
  for (const id of state.lostNodes) {
    assert(state.removedNodes.has(id), `lost node ${id} is not recorded as removed`);
  }
  for (const [id, group] of state.groups) {
    assert(group.id === id, `group record ${group.id} filed under ${id}`);
    assert(id >= 1 && id < state.nextGroupId, `group ${id} outside 1..${state.nextGroupId - 1}`);
    assert(!state.resultsMovedTo.has(id), `group ${id} is both live and destroyed`);
    assert(group.initialMembers.length > 0, `group ${id} was created without members`);
    for (const list of [group.members, group.initialMembers, group.voters, group.learners]) {
      assert(isSortedUnique(list), `group ${id}: node list ${list} not sorted and unique`);
    }
    for (const member of group.members) {
      assert(state.nodes.has(member), `group ${id} wants node ${member}, not in the cluster`);
    }
    assert(
      group.voters.every((voter) => !group.learners.includes(voter)),
      `group ${id}: a node is both voter and learner`,
    );
  }
  for (const [from, to] of state.resultsMovedTo) {
    assert(from < state.nextGroupId && to < state.nextGroupId, `results moved ${from} -> ${to}`);
  }
  assertNoResultCycles(state);
}

/** Every chain of moved results ends: in a live group, or at a group that kept them. */
function assertNoResultCycles(state: ManagementState): void {
  for (const start of state.resultsMovedTo.keys()) {
    const seen = new Set([start]);
    for (let at = state.resultsMovedTo.get(start); at !== undefined; ) {
      assert(!seen.has(at), `results of group ${start} move in a cycle`);
      seen.add(at);
      at = state.resultsMovedTo.get(at);
    }
  }
}
