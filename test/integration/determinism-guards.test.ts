// The determinism guards in a real node process that loads user workflows (--workflows):
// the clock in workflow code is the replayed one, step bodies see the real clock, a patch
// marker is recorded, and a timer in workflow code fails the workflow with a named error.

import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { GrpcProtocolClient } from "../../src/client/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";
import { failureOf, outputOf } from "../support/outcomes.ts";

const WORKFLOWS = join(import.meta.dir, "fixtures", "guarded-workflows.ts");
let cluster: NodeProcessCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

test("a node process guards the clock and timers of user workflow code", async () => {
  cluster = new NodeProcessCluster("grpc", ["--workflows", WORKFLOWS]);
  const node = await cluster.add();
  const peer = new GrpcProtocolClient(node.address);
  try {
    const beforeMs = Date.now();
    const run = async (workflowType: string) => {
      const request = { workflowType, version: 1, input: null, workflowId: workflowType };
      const started = await peer.startWorkflow(request, { timeoutMs: 20_000 });
      return peer.waitWorkflow(
        {
          workflowId: workflowType,
          executionClusterId: started.executionClusterId,
          timeoutSeconds: 20,
        },
        { timeoutMs: 30_000 },
      );
    };
    const output = outputOf(await run("guarded_clock")) as Record<string, number | boolean>;
    expect(output).toMatchObject({ isPatched: true, isClockReplayed: true });
    // The step body read the real clock; the workflow code then read the step's record time.
    expect(output.stepClockMs).toBeGreaterThanOrEqual(beforeMs);
    expect(output.stepClockMs).toBeLessThanOrEqual(Date.now());
    expect(output.workflowClockMs).toBeGreaterThanOrEqual(output.stepClockMs as number);

    const timer = failureOf(await run("uses_timer"));
    expect(timer.message).toContain("setTimeout() is not allowed in workflow code");
    expect(timer.message).toContain("ctx.sleep()");
  } finally {
    await peer.close();
  }
}, 90_000);
