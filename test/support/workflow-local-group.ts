// A one-member "execution group" for workflow unit tests: proposals are applied to one
// WorkflowStateMachine after a virtual delay, in order, with log indexes; faults can make a
// proposal time out after (ambiguous) or before (not applied) it reaches the log.

import {
  createLogger,
  type Logger,
  type LogIndex,
  type NodeId,
  nodeId,
  RaftoralError,
  seededRandom,
  VirtualClock,
} from "../../src/lib/index.ts";
import {
  type ChildLauncher,
  type DeterminismGuards,
  decodeCommand,
  registryWithBuiltins,
  type WorkflowCommand,
  type WorkflowProposer,
  WorkflowQueries,
  type WorkflowRegistry,
  WorkflowRuntime,
  type WorkflowStateConfig,
  WorkflowStateMachine,
} from "../../src/workflow/index.ts";

/** Wall-clock origin of the tests' virtual time (2025-01-01T00:00:00Z). */
export const WALL_ORIGIN_MS = 1_735_689_600_000;

export type ProposalFault = "timeout-after-apply" | "timeout-before-apply";

export interface LocalGroupOptions {
  readonly registry?: WorkflowRegistry;
  readonly config?: WorkflowStateConfig;
  readonly seed?: number;
  readonly applyDelayMs?: number;
  /** Determinism guards for the runtimes (src/node's processGuards); none when absent. */
  readonly guards?: DeterminismGuards;
}

export class LocalWorkflowGroup {
  readonly clock = new VirtualClock();
  /** How far the runtimes' wall clock is stepped from the virtual clock (NTP, an operator). */
  wallStepMs = 0;
  readonly stateMachine: WorkflowStateMachine;
  readonly queries: WorkflowQueries;
  /** Every command applied, decoded, in log order. */
  readonly log: WorkflowCommand[] = [];
  /** When each command of `log` was applied (virtual ms). */
  readonly appliedAtMs: number[] = [];
  /** Chained proposals made through `chainedProposer`. */
  chains = 0;
  /** The next chain's second command cannot follow (as on a node that does not lead). */
  breakNextChain = false;
  /** Made and applied right before the next chain's commands (another member's entry, say). */
  beforeNextChain: (() => Uint8Array) | undefined;
  readonly logLines: string[] = [];
  readonly logger: Logger;
  /** Faults for the next proposals, consumed in order. */
  readonly faults: ProposalFault[] = [];
  proposals = 0;
  /** What runtimes made after it is set answer for ReplayEffects.mayPairWaits. */
  mayPairWaits: (() => boolean) | undefined;
  /** Errors a runtime reported as fatal (bugs); tests expect none. */
  readonly fatal: Error[] = [];
  private index = 0;
  private readonly applyDelayMs: number;
  private readonly random;
  private readonly guards: DeterminismGuards | undefined;

  constructor(options: LocalGroupOptions = {}) {
    this.guards = options.guards;
    this.stateMachine = new WorkflowStateMachine({
      registry: options.registry ?? registryWithBuiltins(),
      ...(options.config === undefined ? {} : { config: options.config }),
    });
    this.queries = new WorkflowQueries(this.stateMachine, this.clock);
    this.applyDelayMs = options.applyDelayMs ?? 1;
    this.random = seededRandom(options.seed ?? 1);
    this.logger = createLogger({
      level: "info",
      format: "text",
      write: (line) => this.logLines.push(line),
    });
  }

  /** Applies `bytes` as the next log entry, at once. */
  applyNow(bytes: Uint8Array): unknown {
    const decoded = decodeCommand(bytes);
    if (decoded.ok) {
      this.log.push(decoded.command);
      this.appliedAtMs.push(this.clock.nowMs());
    }
    return this.stateMachine.apply(bytes, ++this.index as never);
  }

  readonly proposer: WorkflowProposer = {
    propose: (bytes) => {
      this.proposals++;
      const fault = this.faults.shift();
      return new Promise((resolve, reject) => {
        this.clock.setTimer(this.applyDelayMs, () => {
          if (fault === "timeout-before-apply") {
            reject(new RaftoralError("NO_LEADER", "no leader (test fault)"));
            return;
          }
          const result = this.applyNow(bytes);
          if (fault === "timeout-after-apply") {
            reject(new RaftoralError("TIMEOUT", "outcome unknown (test fault)"));
          } else {
            resolve(result);
          }
        });
      });
    },
    barrier: () => Promise.resolve(),
  };

  /** `proposer`, and chained proposals applied together, the second right behind the first. */
  readonly chainedProposer: WorkflowProposer = {
    propose: (bytes) => this.proposer.propose(bytes),
    barrier: () => Promise.resolve(),
    proposeChained: (first, then) => {
      this.chains++;
      const isBroken = this.breakNextChain;
      const before = this.beforeNextChain;
      this.breakNextChain = false;
      this.beforeNextChain = undefined;
      const applied = new Promise<unknown[]>((resolve) => {
        this.clock.setTimer(this.applyDelayMs, () => {
          if (before !== undefined) this.applyNow(before());
          resolve([this.applyNow(first), ...(isBroken ? [] : [this.applyNow(then)])]);
        });
      });
      const second = isBroken
        ? Promise.reject(new RaftoralError("PROPOSAL_DROPPED", "could not follow (test fault)"))
        : applied.then(([, result]) => result);
      return [applied.then(([result]) => result), second];
    },
  };

  /**
   * A runtime for node `id` on this group (several may share it, as owners would);
   * `isOwnLeaderEntry` says which entries it made as the group's leader (none when absent),
   * `hasStalledSince` when its process stood still (never when absent).
   */
  runtime(
    id = 1,
    proposer: WorkflowProposer = this.proposer,
    children?: ChildLauncher,
    isOwnLeaderEntry?: (index: LogIndex) => boolean,
    hasStalledSince?: (clockMs: number) => boolean,
  ): WorkflowRuntime {
    return new WorkflowRuntime({
      ...(children === undefined ? {} : { children }),
      ...(isOwnLeaderEntry === undefined ? {} : { isOwnLeaderEntry }),
      ...(hasStalledSince === undefined ? {} : { hasStalledSince }),
      nodeId: nodeId(id) as NodeId,
      stateMachine: this.stateMachine,
      proposer,
      clock: this.clock,
      wallClockMs: () => WALL_ORIGIN_MS + this.wallStepMs + this.clock.nowMs(),
      random: this.random.fork(`runtime-${id}`),
      logger: this.logger.child({ node_id: id }),
      onFatal: (error) => {
        this.fatal.push(error);
      },
      ...(this.guards === undefined ? {} : { guards: this.guards }),
      ...(this.mayPairWaits === undefined ? {} : { mayPairWaits: this.mayPairWaits }),
    });
  }

  /** Advances virtual time 1 ms at a time until `condition` holds. */
  async until(condition: () => boolean, limitMs = 10_000): Promise<void> {
    for (let elapsed = 0; elapsed < limitMs; elapsed++) {
      if (condition()) return;
      this.clock.advance(1);
      await settleMicrotasks();
    }
    if (!condition()) throw new Error(`condition not reached within ${limitMs} virtual ms`);
  }

  async advance(totalMs: number): Promise<void> {
    for (let elapsed = 0; elapsed < totalMs; elapsed++) {
      this.clock.advance(1);
      await settleMicrotasks();
    }
  }
}

/** Lets every queued promise callback run (no virtual time passes). */
export async function settleMicrotasks(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Tracks a promise's settlement for tests that drive time by hand. */
export function track<T>(promise: Promise<T>): { value?: T; error?: Error; done: boolean } {
  const state: { value?: T; error?: Error; done: boolean } = { done: false };
  promise.then(
    (value) => {
      state.value = value;
      state.done = true;
    },
    (error: Error) => {
      state.error = error;
      state.done = true;
    },
  );
  return state;
}
