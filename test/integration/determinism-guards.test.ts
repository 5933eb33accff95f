// The determinism guards in a real node process that loads user workflows (--workflows):
// the clock in workflow code is the replayed one, step bodies see the real clock, a patch
// marker is recorded, and a timer in workflow code fails the workflow with a named error. In
// the binary as released (minified), a class the workflow catches keeps its name.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GrpcProtocolClient } from "../../src/client/index.ts";
import { compileBinaryTo, RELEASE_FLAGS } from "../support/compiled-binary.ts";
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

test("in the released binary a step error the workflow catches keeps its class's name", async () => {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-release-"));
  try {
    const binary = join(directory, "raftoral");
    compileBinaryTo(binary, RELEASE_FLAGS);
    cluster = new NodeProcessCluster("grpc", ["--workflows", WORKFLOWS], [binary]);
    const node = await cluster.add();
    const peer = new GrpcProtocolClient(node.address);
    try {
      const request = { workflowType: "step_error_name", version: 1, input: null };
      const started = await peer.startWorkflow(request, { timeoutMs: 20_000 });
      const ref = { ...started, timeoutSeconds: 20 };
      const outcome = await peer.waitWorkflow(ref, { timeoutMs: 30_000 });
      // Minified without --keep-names, it was a two-letter name ("jn").
      expect(outputOf(outcome)).toBe("WorkflowStepError");
    } finally {
      await peer.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}, 120_000);
