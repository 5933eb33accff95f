// What the node needs from the workflow engine for its execution groups: a state machine per
// group replica, whether a group is idle, and the workflow operations the API exposes.

import type { GroupId, LogIndex, NodeId } from "../lib/index.ts";
import type { StateMachine } from "../multiraft/index.ts";
import type { NodeApi } from "../transport/index.ts";
import type { SuspendedCounts } from "../workflow/index.ts";

/** The workflow operations of the API, exactly as NodeApi declares them. */
type WorkflowOperations = Pick<
  NodeApi,
  | "startWorkflow"
  | "waitWorkflow"
  | "runWorkflow"
  | "signalWorkflow"
  | "cancelWorkflow"
  | "terminateWorkflow"
  | "describeWorkflow"
  | "listWorkflows"
>;

export interface ExecutionLayer extends WorkflowOperations {
  /**
   * Creates the workflow engine of a new replica of execution group `groupId` (replacing any
   * earlier one) and returns its state machine for the host. It runs once openEngine() is
   * called, after the host installed (and maybe restored) the replica. A replica restored
   * from storage applies its entries up to `replayedThrough` again (none by default).
   */
  createEngine(groupId: GroupId, replayedThrough?: LogIndex): StateMachine;
  /** The replica of `groupId` is installed: its engine starts running its workflows. */
  openEngine(groupId: GroupId): void;
  /**
   * As a draining group's leader: stop taking workflows, and once none runs, hand the
   * finished ones over to `heir`. True when done: the group may then be destroyed.
   */
  drain(groupId: GroupId, heir: GroupId): Promise<boolean>;
  /** Workflows running in the group, as this replica sees them (0 if not hosted here). */
  runningCount(groupId: GroupId): number;
  /** What those executions' records take on this member, in bytes (ExecutionTable). */
  runningBytes(groupId: GroupId): number;
  /** Of those, how many sleep on a durable timer and how many wait for an event. */
  suspendedCounts(groupId: GroupId): SuspendedCounts;
  /** As the group's leader: hand executions of owners that are gone to live members. */
  maintain(groupId: GroupId, liveMembers: readonly NodeId[]): Promise<void>;
  /**
   * As a node that stops gracefully: hand the executions this node owns in the group to
   * `liveMembers`, at most FAILOVER_ASSIGNMENTS_MAX in one call. Resolves with how many it
   * handed over (0: none left).
   */
  handOverOwned(groupId: GroupId, liveMembers: readonly NodeId[]): Promise<number>;
  /**
   * Before a graceful stop hands this node's workflows in the group over: no step body starts
   * here any more; resolves once those running have ended and their checkpoints committed.
   */
  finishSteps(groupId: GroupId): Promise<void>;
  /** This node no longer hosts the group: stop its runs and forget it. */
  dropGroup(groupId: GroupId): void;
  /** Fingerprint of the registered workflow set; every node of a cluster must agree. */
  fingerprint(): string;
}
