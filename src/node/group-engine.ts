// One execution group's workflow engine on this node: the replica's state machine, the
// owner-side runtime that proposes through the host, and the queries that wait on it; the
// state machine's transitions also feed the node's metrics and log.

import type { GroupId, LogIndex } from "../lib/index.ts";
import { everyMemberApplies, PAIRED_WAITS_RULES } from "../management/index.ts";
import {
  type ChildLauncher,
  StepGate,
  type WorkflowProposer,
  WorkflowQueries,
  WorkflowRuntime,
  WorkflowStateMachine,
} from "../workflow/index.ts";
import { processGuards } from "./determinism-guards.ts";
import type { WorkflowExecutionOptions } from "./workflow-execution.ts";
import { logWorkflowEvents } from "./workflow-log.ts";
import { markApplies, markedProposer, stageMarker } from "./workflow-stages.ts";

export interface GroupEngine {
  readonly machine: WorkflowStateMachine;
  readonly runtime: WorkflowRuntime;
  readonly queries: WorkflowQueries;
  /** Closed by a graceful stop's hand-over, which waits for the step bodies running here. */
  readonly stepGate: StepGate;
  /** Resolves once the host installed the replica and openEngine() started the runtime. */
  readonly opened: Promise<void>;
  readonly markOpened: () => void;
}

/**
 * `replayedThrough`: the commit index a restarted replica found in its storage, or how far a
 * replica of the group in this process got before it was removed. It applies the entries up
 * to it again, whose transitions were counted and logged the first time.
 */
export function createGroupEngine(
  id: GroupId,
  options: WorkflowExecutionOptions,
  children: ChildLauncher,
  replayedThrough: LogIndex,
): GroupEngine {
  const machine = new WorkflowStateMachine({ registry: options.registry });
  const isReplay = () => machine.lastAppliedIndex() <= replayedThrough;
  options.metrics?.watch(id, machine, isReplay);
  logWorkflowEvents(machine, { group: id, self: options.self, logger: options.logger, isReplay });
  const proposer: WorkflowProposer = {
    propose: (command) =>
      options.host.propose(id, command, { timeoutMs: options.proposalTimeoutMs }),
    proposeChained: (first, then) =>
      options.host.proposeChained(id, first, then, { timeoutMs: options.proposalTimeoutMs }),
    barrier: () => options.host.read(id, { timeoutMs: options.proposalTimeoutMs }),
  };
  const mark = stageMarker(options.logger);
  if (mark !== undefined) markApplies(machine, id, mark);
  const stepGate = new StepGate();
  const runtime = new WorkflowRuntime({
    nodeId: options.self,
    stateMachine: machine,
    proposer: mark === undefined ? proposer : markedProposer(proposer, mark),
    clock: options.clock,
    wallClockMs: options.wallClockMs,
    random: options.random.fork(`group-${id}`),
    logger: options.logger.child({ group: id }),
    onFatal: options.onFatal,
    onStepRan: (report, workflowId) => {
      options.metrics?.stepRan(report);
      mark?.("step-ran", { workflow_id: workflowId, duration_ms: report.durationMs });
    },
    children,
    guards: processGuards,
    mayPairWaits: () => everyMemberApplies(options.machine.state(), PAIRED_WAITS_RULES),
    stepGate,
    ...(options.hasStalledSince === undefined ? {} : { hasStalledSince: options.hasStalledSince }),
    isOwnLeaderEntry: (index) => {
      // Read on every Start this node owns: the direct reads, not a whole status().
      const raft = options.host.inspect(id);
      if (raft === undefined || raft.leaderId() !== options.self) return false;
      return raft.termAt(index) === raft.currentTerm();
    },
  });
  const { promise: opened, resolve: markOpened } = Promise.withResolvers<void>();
  return {
    machine,
    runtime,
    queries: new WorkflowQueries(machine, options.clock),
    stepGate,
    opened,
    markOpened,
  };
}
