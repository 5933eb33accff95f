// The chaos runs' clients: loops that start chaos_steps workflows on random nodes, and loops
// that later wait for each acknowledged one on random nodes. They record what a user would
// have been told: which starts were acknowledged (a workflow_id came back), when, and the
// first outcome a wait reported, which must never change afterwards.

import {
  GrpcProtocolClient,
  HttpProtocolClient,
  type OperatorProtocolClient,
} from "../../src/client/index.ts";
import type { GroupId, Random } from "../../src/lib/index.ts";
import type { WorkflowOutcome } from "../../src/transport/index.ts";
import type { ChaosStepsInput } from "./fixtures/chaos-workflows.ts";

/** A start that a client was told succeeded. */
export interface AcknowledgedStart {
  readonly workflowId: string;
  readonly executionClusterId: GroupId;
  readonly steps: number;
  /** performance.now() when the acknowledgement arrived. */
  readonly acknowledgedAtMs: number;
  /** The first outcome a wait reported during the run, and from which node. */
  firstOutcome?: { readonly outcome: WorkflowOutcome; readonly nodeIndex: number };
}

export interface ClientLoad {
  readonly acknowledged: AcknowledgedStart[];
  /** Start attempts that failed, by error code (an unknown outcome: maybe started, maybe not). */
  readonly startErrors: Map<string, number>;
  readonly waitErrors: Map<string, number>;
  startAttempts: number;
}

export interface ClientLoopOptions {
  readonly transport: "grpc" | "http";
  /** The nodes' addresses, by node index; read at each call (restarts keep addresses). */
  readonly addresses: () => readonly string[];
  readonly stepDir: string;
  readonly random: Random;
  readonly load: ClientLoad;
  readonly isStopped: () => boolean;
}

const START_TIMEOUT_MS = 5_000;
const WAIT_SECONDS = 2;

export function newClientLoad(): ClientLoad {
  return { acknowledged: [], startErrors: new Map(), waitErrors: new Map(), startAttempts: 0 };
}

export function protocolClient(
  transport: "grpc" | "http",
  address: string,
): OperatorProtocolClient {
  return transport === "grpc" ? new GrpcProtocolClient(address) : new HttpProtocolClient(address);
}

/** The stable code of a client failure ("TIMEOUT", "UNAVAILABLE", ...), or its name. */
export function errorCode(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string" || typeof code === "number") return String(code);
  }
  return error instanceof Error ? error.name : "unknown";
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Starts workflows on random nodes, one at a time, until stopped. */
export async function runStartLoop(options: ClientLoopOptions): Promise<void> {
  const { random, load } = options;
  // Runs until the run's stop flag is set; each turn is one bounded call.
  while (!options.isStopped()) {
    const addresses = options.addresses();
    const address = random.pick(addresses);
    const input: ChaosStepsInput = {
      dir: options.stepDir,
      steps: random.int(2, 6),
      stepMs: random.int(20, 200),
    };
    const client = protocolClient(options.transport, address);
    load.startAttempts++;
    try {
      const started = await client.startWorkflow(
        { workflowType: "chaos_steps", version: 1, input },
        { timeoutMs: START_TIMEOUT_MS },
      );
      load.acknowledged.push({
        workflowId: started.workflowId,
        executionClusterId: started.executionClusterId,
        steps: input.steps,
        acknowledgedAtMs: performance.now(),
      });
    } catch (error) {
      // Handled: an unacknowledged start is allowed to fail; only acknowledged ones count.
      count(load.startErrors, errorCode(error));
    } finally {
      await client.close();
    }
    // Pacing, not waiting for a condition: keeps two cores from drowning in workflows.
    await Bun.sleep(random.int(50, 300));
  }
}

/** Waits for acknowledged workflows on random nodes and records each first outcome. */
export async function runWaitLoop(options: ClientLoopOptions): Promise<void> {
  const { random, load } = options;
  let cursor = 0;
  // Runs until the run's stop flag is set; each turn is one bounded call.
  while (!options.isStopped()) {
    const pending = load.acknowledged.filter((start) => start.firstOutcome === undefined);
    if (pending.length === 0) {
      await Bun.sleep(100); // Nothing to wait for yet; the start loops add work.
      continue;
    }
    const start = pending[cursor++ % pending.length] as AcknowledgedStart;
    const addresses = options.addresses();
    const nodeIndex = random.int(0, addresses.length);
    const client = protocolClient(options.transport, addresses[nodeIndex] as string);
    try {
      const outcome = await client.waitWorkflow(
        {
          workflowId: start.workflowId,
          executionClusterId: start.executionClusterId,
          timeoutSeconds: WAIT_SECONDS,
        },
        { timeoutMs: WAIT_SECONDS * 1000 + 3_000 },
      );
      start.firstOutcome ??= { outcome, nodeIndex };
    } catch (error) {
      // Handled: not finished yet, or that node is down; another turn asks again.
      count(load.waitErrors, errorCode(error));
    } finally {
      await client.close();
    }
  }
}
