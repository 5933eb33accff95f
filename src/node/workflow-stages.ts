// At log level trace, one line ("Workflow stage") per stage of every workflow's path through
// this node, with the machine's clock to the microsecond (`at_ms`, epoch ms): a start's or a
// wait's call arriving and being answered (HTTP has no synchronous run, and a synchronous run
// makes both calls), each command proposed and its answer, each entry applied on every
// replica, each step body on the owner. The lines of all nodes, joined by workflow id, are a
// workflow's waterfall across the cluster (bench/workflow-budget.bench.ts). Below trace
// nothing is wrapped or decoded: the stages cost nothing when off.

import type { GroupId, LogFields, Logger } from "../lib/index.ts";
import {
  decodeCommand,
  type WorkflowProposer,
  type WorkflowStateMachine,
} from "../workflow/index.ts";

export type WorkflowStage =
  | "call-received"
  | "call-answered"
  | "proposed"
  | "answered"
  | "applied"
  | "step-ran";

export type StageMarker = (stage: WorkflowStage, fields: LogFields) => void;

/** Epoch milliseconds with the monotonic clock's resolution, comparable across processes. */
function preciseNowMs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;
}

/** A marker writing to `logger`, or undefined when trace lines are off. */
export function stageMarker(logger: Logger): StageMarker | undefined {
  if (!logger.isEnabled("trace")) return undefined;
  return (stage, fields) =>
    logger.trace("Workflow stage", { stage, at_ms: preciseNowMs(), ...fields });
}

/** `proposer`, marking each workflow command it proposes and when this node applied it. */
export function markedProposer(proposer: WorkflowProposer, mark: StageMarker): WorkflowProposer {
  const marked = async (data: Uint8Array, answer: Promise<unknown>) => {
    const result = await answer;
    mark("answered", fieldsOf(data));
    return result;
  };
  const { proposeChained } = proposer;
  return {
    barrier: () => proposer.barrier(),
    propose: (data) => {
      mark("proposed", fieldsOf(data));
      return marked(data, proposer.propose(data));
    },
    ...(proposeChained === undefined
      ? {}
      : {
          proposeChained: (first, then) => {
            mark("proposed", fieldsOf(first));
            mark("proposed", fieldsOf(then));
            const [firstAnswer, thenAnswer] = proposeChained.call(proposer, first, then);
            return [marked(first, firstAnswer), marked(then, thenAnswer)];
          },
        }),
  };
}

function fieldsOf(data: Uint8Array): LogFields {
  const decoded = decodeCommand(data);
  const command = decoded.ok ? decoded.command : undefined;
  return {
    command: command?.type ?? "undecodable",
    ...(command !== undefined && "workflowId" in command
      ? { workflow_id: command.workflowId }
      : {}),
    ...(command?.type === "Start" ? { trace_id: command.traceId } : {}),
  };
}

/** Marks every workflow entry `machine` applies on this replica. */
export function markApplies(
  machine: WorkflowStateMachine,
  group: GroupId,
  mark: StageMarker,
): void {
  machine.subscribe((event) => {
    if (event.type === "restored") return;
    mark("applied", { event: event.type, workflow_id: event.workflowId, cluster: group });
  });
}
