// One fuzz campaign against a three-node cluster of real processes: draws inputs (client
// requests, gRPC frames, peer batches), sends each to a random node, judges every answer,
// and after each input looks for a dead process or a fatal log line. At the end it checks
// that ping_pong still works through every node, the management state is the same
// everywhere, and no node's memory grew past the bound. Findings are returned, not thrown.

import { seededRandom } from "../../src/lib/index.ts";
import { protocolClient } from "../chaos/chaos-clients.ts";
import type { NodeProcess } from "../support/node-process-cluster.ts";
import { FuzzCluster } from "./fuzz-cluster.ts";
import {
  type DrawContext,
  type DrawnInput,
  describeInput,
  drawInput,
  inputSeed,
  judgeGrpc,
  judgeHttp,
} from "./fuzz-draw.ts";
import { RawGrpcSender } from "./raw-grpc.ts";
import { sendRawHttp } from "./raw-http.ts";

export interface FuzzOptions {
  readonly transport: "grpc" | "http";
  readonly seed: number;
  /** The campaign stops after this many inputs or this much time, whichever comes first. */
  readonly inputsMax: number;
  readonly durationMs: number;
  /** Sends only inputs of these classes, e.g. ["execute", "peer forward"] (FUZZ_KINDS). */
  readonly kinds?: readonly string[];
  /** Replays just these input indexes (FUZZ_ONLY). */
  readonly only?: readonly number[];
  /** Largest RSS growth of any node from after the warm-up to the end, in MiB. */
  readonly rssGrowthMaxMiB?: number;
  readonly log?: (line: string) => void;
  readonly onCluster?: (cluster: FuzzCluster) => void;
}

export interface FuzzSummary {
  readonly transport: "grpc" | "http";
  readonly seed: number;
  readonly inputs: number;
  /** Inputs sent per class, and draws not sent ("skip:..."). */
  readonly kinds: Readonly<Record<string, number>>;
  /** Answers by kind: "HTTP 400", "grpc-status 3", "closed", "reset", "no-answer". */
  readonly answers: Readonly<Record<string, number>>;
  readonly rssMiB: { readonly afterWarmUp: readonly number[]; readonly end: readonly number[] };
  readonly violations: readonly string[];
  readonly durationMs: number;
}

const WARM_UP_INPUTS = 300;
const LIVENESS_EVERY = 250;
const TIMEOUTS = { timeoutMs: 15_000, unfinishedWaitMs: 100 };
const RECENT_INPUTS = 6;

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const began = performance.now();
  const cluster = new FuzzCluster(options.transport);
  options.onCluster?.(cluster);
  const run = new CampaignRun(options, cluster);
  try {
    await cluster.start();
    await cluster.forceElections();
    const context = await drawContext(cluster);
    options.log?.(
      `fuzzing ${options.transport} nodes ${cluster.nodes.map((n) => n.address).join(" ")}`,
    );
    await run.sendAll(context, began + options.durationMs);
    const rssEnd = cluster.rssMiB();
    run.violations.push(...(await cluster.finalProblems()));
    run.violations.push(
      ...memoryProblems(run.rssAfterWarmUp, rssEnd, options.rssGrowthMaxMiB ?? 200),
    );
    return {
      transport: options.transport,
      seed: options.seed,
      inputs: run.sent,
      kinds: Object.fromEntries(run.kinds),
      answers: Object.fromEntries(run.answers),
      rssMiB: { afterWarmUp: run.rssAfterWarmUp, end: rssEnd },
      violations: run.violations,
      durationMs: performance.now() - began,
    };
  } finally {
    run.close();
    await cluster.stop();
  }
}

/** The sending half of a campaign: the input loop and what it counts. */
class CampaignRun {
  readonly kinds = new Map<string, number>();
  readonly answers = new Map<string, number>();
  readonly violations: string[] = [];
  rssAfterWarmUp: number[] = [];
  sent = 0;
  private readonly senders = new Map<NodeProcess, RawGrpcSender>();
  /** The last inputs sent: a crash shows up in the log a little after its input. */
  private readonly recent: [number, DrawnInput][] = [];

  constructor(
    private readonly options: FuzzOptions,
    private readonly cluster: FuzzCluster,
  ) {}

  /** Sends inputs until the count, the deadline or the first violation. */
  async sendAll(context: DrawContext, deadline: number): Promise<void> {
    const { options, cluster } = this;
    this.rssAfterWarmUp = cluster.rssMiB();
    for (const index of options.only ?? upTo(options.inputsMax)) {
      if (performance.now() > deadline || this.violations.length > 0) break;
      const target = seededRandom(inputSeed(options.seed, index) ^ 0x5bd1e995).pick(cluster.nodes);
      const peer = { ...context.peer, self: cluster.nodeId(target) };
      const input = drawInput(options.seed, index, { ...context, peer });
      if (options.kinds !== undefined && !options.kinds.includes(input.kind)) continue;
      count(this.kinds, input.kind);
      if (input.channel === "skip") continue;
      const problem = await this.sendAndJudge(input, target);
      this.recent.push([index, input]);
      if (this.recent.length > RECENT_INPUTS) this.recent.shift();
      // A batch the node accepted is handled a moment after the answer: let a crash show.
      if (input.peerVerdict === true) await Bun.sleep(5);
      const crashes = cluster.newProblems();
      if (problem !== undefined || crashes.length > 0) {
        this.violations.push(this.report(target, [problem, ...crashes]));
      }
      this.sent++;
      if (this.sent === WARM_UP_INPUTS) this.rssAfterWarmUp = cluster.rssMiB();
      if (this.sent % LIVENESS_EVERY === 0) await this.checkLiveness(target);
      if (this.sent % 1_000 === 0)
        options.log?.(`${this.sent} inputs, RSS MiB ${cluster.rssMiB().join(" ")}`);
    }
  }

  close(): void {
    for (const sender of this.senders.values()) sender.close();
  }

  private async sendAndJudge(
    input: DrawnInput & { channel: "http" | "grpc" },
    target: NodeProcess,
  ): Promise<string | undefined> {
    if (input.channel === "http") {
      const outcome = await sendRawHttp(target.address, input.request, TIMEOUTS);
      count(this.answers, outcome.kind === "answered" ? `HTTP ${outcome.status}` : outcome.kind);
      return judgeHttp(input, outcome);
    }
    let sender = this.senders.get(target);
    if (sender === undefined) {
      sender = new RawGrpcSender(target.address);
      this.senders.set(target, sender);
    }
    const outcome = await sender.send(input.request, TIMEOUTS);
    const status =
      outcome.kind === "status"
        ? (outcome.grpcStatus ?? `none, HTTP ${outcome.httpStatus}`)
        : undefined;
    count(this.answers, status === undefined ? outcome.kind : `grpc-status ${status}`);
    return judgeGrpc(input, outcome);
  }

  /** Every LIVENESS_EVERY inputs: the node just fuzzed still runs a workflow. */
  private async checkLiveness(target: NodeProcess): Promise<void> {
    const answer = await this.cluster.pingPong(target);
    if (answer !== '"pong"') {
      this.violations.push(
        `node ${this.cluster.nodeId(target)} stopped serving ping_pong: ${answer}`,
      );
    }
  }

  private report(target: NodeProcess, problems: readonly (string | undefined)[]): string {
    const found = problems.filter((problem) => problem !== undefined).join("\n      ");
    const [lastIndex] = this.recent.at(-1) ?? [0];
    const indexes = this.recent.map(([index]) => index).join(",");
    const { transport, seed } = this.options;
    return [
      `input #${lastIndex} to node ${this.cluster.nodeId(target)} (${target.address}), or one just before it: ${found}`,
      ...this.recent.map(
        ([index, input]) => `      #${index} ${describeInput(input).slice(0, 1_500)}`,
      ),
      `      replay: FUZZ_TRANSPORT=${transport} FUZZ_SEED=${seed} FUZZ_ONLY=${indexes} bun test/fuzz/run-fuzz.ts`,
    ].join("\n");
  }
}

async function drawContext(
  cluster: FuzzCluster,
): Promise<Omit<DrawContext, "peer"> & { peer: DrawContext["peer"] }> {
  const first = cluster.nodes[0] as NodeProcess;
  const client = protocolClient(cluster.transport, first.address);
  try {
    const status = await client.clusterStatus({ timeoutMs: 5_000 });
    const workflowIds: string[] = [];
    for (let k = 0; k < 3; k++) {
      const started = await client.startWorkflow(
        { workflowType: "ping_pong", version: 1, input: "ping" },
        { timeoutMs: 10_000 },
      );
      workflowIds.push(started.workflowId);
    }
    return {
      transport: cluster.transport,
      workflowIds,
      peer: {
        self: 0,
        members: status.nodes.map((node) => node.nodeId),
        memberAddresses: status.nodes.map((node) => node.address),
        hostedGroups: [0, ...status.groups.map((group) => group.groupId)],
        staleTermMax: 1,
      },
    };
  } finally {
    await client.close();
  }
}

function memoryProblems(
  before: readonly number[],
  after: readonly number[],
  growthMaxMiB: number,
): string[] {
  return after.flatMap((end, k) => {
    const growth = end - (before[k] ?? 0);
    return growth > growthMaxMiB
      ? [
          `node index ${k}: RSS grew ${growth.toFixed(1)} MiB (${before[k]} -> ${end}), bound ${growthMaxMiB} MiB`,
        ]
      : [];
  });
}

function* upTo(end: number): Generator<number> {
  for (let k = 0; k < end; k++) yield k;
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** The summary as the lines `make fuzz` and the tests print. */
export function formatFuzzSummary(summary: FuzzSummary): string {
  return [
    `fuzz summary: transport=${summary.transport} seed=${summary.seed} inputs=${summary.inputs} in ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  inputs by class: ${JSON.stringify(summary.kinds)}`,
    `  answers: ${JSON.stringify(summary.answers)}`,
    `  RSS MiB per node: after warm-up ${summary.rssMiB.afterWarmUp.join(" ")}, end ${summary.rssMiB.end.join(" ")}`,
    `  violations: ${summary.violations.length === 0 ? "none" : summary.violations.length}`,
    ...summary.violations.slice(0, 20).map((violation) => `    - ${violation}`),
  ].join("\n");
}
