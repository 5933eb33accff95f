// Workflow transitions as this node's replica of each execution group applies them: starts,
// finishes by status, and owner changes (failovers and hand-overs). Every replica counts the
// same entries, so a cluster-wide rate is max (or avg) by group, not a sum (docs/metrics.md).
// A restarted replica applies its stored log again: those transitions are not counted again.

import type { Counter, GroupId, Histogram, MetricsRegistry } from "../lib/index.ts";
import type { StepReport, WorkflowStateMachine } from "../workflow/index.ts";

export class WorkflowMetrics {
  private readonly started: Counter;
  private readonly finished: Counter;
  private readonly ownerChanges: Counter;
  private readonly cancelRequests: Counter;
  private readonly stepSeconds: Histogram;
  private readonly stepAttempts: Counter;

  constructor(registry: MetricsRegistry) {
    this.started = registry.counter(
      "raftoral_workflows_started_total",
      "Workflow starts this replica applied.",
    );
    this.finished = registry.counter(
      "raftoral_workflows_finished_total",
      "Workflows this replica saw finish, by status (Completed, Failed, Cancelled, Terminated).",
    );
    this.ownerChanges = registry.counter(
      "raftoral_workflow_owner_changes_total",
      "Workflows given a new owner after theirs failed or left.",
    );
    this.cancelRequests = registry.counter(
      "raftoral_workflow_cancel_requests_total",
      "Cancel requests this replica applied to running workflows (repeats not counted).",
    );
    // No step name as a label: names may be made up at run time, and labels must stay bounded.
    this.stepSeconds = registry.histogram(
      "raftoral_workflow_step_seconds",
      "A step body run on this node as owner, from its first attempt to its outcome.",
    );
    this.stepAttempts = registry.counter(
      "raftoral_workflow_step_attempts_total",
      "Attempts of step bodies run on this node, by the step's outcome (ok, failed).",
    );
  }

  /** A step body ran here (the owner), not replayed from the log. */
  stepRan(report: StepReport): void {
    const outcome = report.isOk ? "ok" : "failed";
    this.stepSeconds.observe(report.durationMs / 1_000, { outcome });
    this.stepAttempts.inc({ outcome }, report.attempts);
  }

  /**
   * Counts what `machine` applies from now on (it is dropped with its group), except what
   * it applies again after a restart (`isReplay`): counted then, it would count twice.
   */
  watch(group: GroupId, machine: WorkflowStateMachine, isReplay: () => boolean): void {
    machine.subscribe((event) => {
      if (isReplay()) return;
      if (event.type === "started") this.started.inc({ group });
      else if (event.type === "finished") this.finished.inc({ group, status: event.status });
      else if (event.type === "ownerAssigned") this.ownerChanges.inc({ group });
      else if (event.type === "cancelRequested") this.cancelRequests.inc({ group });
    });
  }
}
