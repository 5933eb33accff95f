// Records the golden logs in test/golden/*.json by running the golden scenarios on a local
// group. Run only to ADD a golden file: `bun test/golden/record-golden.ts [--force]`.
// Existing files are never overwritten without --force, because re-recording after a
// runtime change would hide exactly the break the golden test exists to catch.

import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NodeId } from "../../src/lib/index.ts";
import type { StartedExecution } from "../../src/workflow/index.ts";
import { RUNTIME_VERSION } from "../../src/workflow/index.ts";
import { LocalWorkflowGroup, track } from "../support/workflow-local-group.ts";
import type { GoldenLog } from "./golden-format.ts";
import { goldenRegistry } from "./golden-workflows.ts";

interface Scenario {
  readonly file: string;
  readonly description: string;
  readonly name: string;
  readonly input: unknown;
  /** Move the execution to node 2 after this many recorded checkpoints. */
  readonly failoverAfter?: number;
  /** Send this event once this many checkpoints are recorded. */
  readonly signal?: {
    readonly afterCheckpoints: number;
    readonly name: string;
    readonly payload: string;
  };
  /** Cancel the workflow once this many checkpoints are recorded. */
  readonly cancel?: { readonly afterCheckpoints: number; readonly reason: string };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    file: "ping-pong-ping.json",
    description: 'ping_pong v1 with input "ping": Completed "pong"',
    name: "ping_pong",
    input: "ping",
  },
  {
    file: "ping-pong-hello.json",
    description: 'ping_pong v1 with input "hello": Failed, naming the input',
    name: "ping_pong",
    input: "hello",
  },
  {
    file: "order-shipped.json",
    description: "golden_order v1, valid card: checkpoint, retried step, now/random, Completed",
    name: "golden_order",
    input: { item: "book", quantity: 2, card: "valid" },
  },
  {
    file: "order-declined.json",
    description:
      "golden_order v1, declined card: a step error recorded, caught by the code, Completed",
    name: "golden_order",
    input: { item: "book", quantity: 1, card: "expired" },
  },
  {
    file: "order-stolen.json",
    description: "golden_order v1, stolen card: caught step error, then an uncaught error: Failed",
    name: "golden_order",
    input: { item: "lamp", quantity: 1, card: "stolen" },
  },
  {
    file: "order-failover.json",
    description:
      "golden_order v1 moved from node 1 to node 2 after 2 checkpoints: node 1's late checkpoint is refused by epoch, node 2 resumes by replay",
    name: "golden_order",
    input: { item: "desk", quantity: 3, card: "valid" },
    failoverAfter: 2,
  },
  {
    file: "waits-approved.json",
    description:
      "golden_waits v1 (runtime version 2): a sleep wakes at its due time, an event sent while the workflow waits is delivered, an event wait times out",
    name: "golden_waits",
    input: "invoice 7",
    signal: { afterCheckpoints: 3, name: "approve", payload: "ada" },
  },
  {
    file: "patched-failover.json",
    description:
      "golden_patched v1 (runtime version 3): patch markers, plain and deprecated; moved to node 2 after the first marker and step, which replays the marker and keeps the new path",
    name: "golden_patched",
    input: "ada",
    failoverAfter: 2,
  },
  {
    file: "cancel-while-asleep.json",
    description:
      "golden_cancel v1: cancelled while it sleeps; the cancel is recorded where the code saw it (the wake's seq), a clean-up step runs, the CancelledError ends it Cancelled",
    name: "golden_cancel",
    input: "seat 12",
    cancel: { afterCheckpoints: 2, reason: "the customer withdrew" },
  },
];

async function record(scenario: Scenario): Promise<GoldenLog> {
  const group = new LocalWorkflowGroup({ registry: goldenRegistry(), seed: 2024 });
  // Node 1's proposals take 8 ms, so a failover can overtake its next checkpoint.
  const one = group.runtime(1, {
    propose: (bytes) =>
      new Promise((resolve) =>
        group.clock.setTimer(8, () => resolve(group.proposer.propose(bytes))),
      ),
    barrier: () => Promise.resolve(),
  });
  const two = group.runtime(2);
  one.open();
  two.open();
  const started = track(one.start(scenario.name, 1, scenario.input));
  await group.until(() => started.done);
  const workflowId = (started.value as StartedExecution).workflowId;
  if (scenario.failoverAfter !== undefined) {
    const count = scenario.failoverAfter;
    await group.until(
      () => (group.stateMachine.execution(workflowId)?.checkpoints.length ?? 0) >= count,
    );
    await group.advance(2);
    const moved = track(two.reassignOwners([2 as NodeId]));
    await group.until(() => moved.done);
  }
  if (scenario.signal !== undefined) {
    const { afterCheckpoints, name, payload } = scenario.signal;
    await group.until(
      () => (group.stateMachine.execution(workflowId)?.checkpoints.length ?? 0) >= afterCheckpoints,
    );
    const sent = track(one.signal({ workflowId, name, payload, eventId: `${name}-1` }));
    await group.until(() => sent.done);
  }
  if (scenario.cancel !== undefined) {
    const { afterCheckpoints, reason } = scenario.cancel;
    await group.until(
      () => (group.stateMachine.execution(workflowId)?.checkpoints.length ?? 0) >= afterCheckpoints,
    );
    const asked = track(one.stop({ type: "Cancel", workflowId, reason }));
    await group.until(() => asked.done);
  }
  const finished = track(group.queries.wait(workflowId, 60_000));
  await group.until(() => finished.done, 60_000);
  const view = finished.value;
  if (view === undefined) throw new Error(`${scenario.file}: did not finish`);
  // Let late proposals land: the log keeps them, refused as they are.
  await group.advance(100);
  one.close();
  two.close();
  return {
    description: scenario.description,
    workflowId,
    workflow: { name: scenario.name, version: 1 },
    runtimeVersion: RUNTIME_VERSION,
    log: group.log,
    expected: {
      status: view.status,
      ...(view.output === undefined ? {} : { output: view.output }),
      ...(view.error === undefined ? {} : { error: view.error }),
      checkpointCount: view.checkpointCount,
      ownerEpoch: view.ownerEpoch,
    },
  };
}

if (import.meta.main) {
  const isForced = process.argv.includes("--force");
  for (const scenario of SCENARIOS) {
    const path = join(import.meta.dir, scenario.file);
    if (existsSync(path) && !isForced) {
      console.error(`keep ${scenario.file} (exists; --force re-records it)`);
      continue;
    }
    writeFileSync(path, `${JSON.stringify(await record(scenario), null, 2)}\n`);
    console.error(`wrote ${scenario.file}`);
  }
}
