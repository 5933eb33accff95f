// An execution layer without workflows, for tests of cluster formation: its execution groups
// replicate nothing of their own and every workflow call is refused.

import type { ExecutionLayer } from "../../src/api/index.ts";
import { RaftoralError } from "../../src/lib/index.ts";

export function nullExecution(): ExecutionLayer {
  const refuse = () =>
    Promise.reject(new RaftoralError("UNAVAILABLE", "no workflows in this test"));
  return {
    createEngine: () => ({
      apply: () => undefined,
      snapshotAfter: (prefix) => prefix,
      restore: () => undefined,
    }),
    openEngine: () => undefined,
    runningCount: () => 0,
    runningBytes: () => 0,
    suspendedCounts: () => ({ sleeping: 0, waiting: 0 }),
    drain: async () => true,
    maintain: async () => undefined,
    handOverOwned: async () => 0,
    finishSteps: async () => undefined,
    dropGroup: () => undefined,
    fingerprint: () => "test",
    startWorkflow: refuse,
    waitWorkflow: refuse,
    runWorkflow: refuse,
    signalWorkflow: refuse,
    cancelWorkflow: refuse,
    terminateWorkflow: refuse,
    describeWorkflow: refuse,
    listWorkflows: refuse,
  };
}
