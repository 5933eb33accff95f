// Simulated clients of the replicated KV store. Each client runs one operation at a time
// against some node and records it in a history for the linearizability checker:
// completed ops with their result, ops of unknown fate as pending, and ops that certainly
// did not happen (refused, dropped) not at all.

import type { Random } from "../../src/lib/index.ts";
import type { KvCommand, KvResult } from "./kv.ts";
import type { ClientCallback, SimNode } from "./sim-node.ts";

export interface HistoryOp {
  readonly client: number;
  readonly call: number;
  ret: number | undefined;
  readonly input: KvCommand | { readonly op: "read"; readonly key: string; readonly opId: string };
  output: KvResult | undefined;
}

export const KEYS = ["a", "b", "c"];

export interface ClientContext {
  now(): number;
  schedule(delay: number, run: () => void): void;
  /** Nodes a client may talk to (members, alive or not). */
  targets(): SimNode[];
  isRunning(): boolean;
}

export class SimClient {
  private sequence = 0;
  leaderGuess: SimNode | undefined;

  constructor(
    readonly id: number,
    private readonly random: Random,
    private readonly context: ClientContext,
    private readonly history: HistoryOp[],
    private readonly timeout: number,
  ) {}

  start(): void {
    this.context.schedule(this.random.int(0, 20), () => this.next());
  }

  private next(): void {
    if (!this.context.isRunning()) return;
    const targets = this.context.targets();
    if (targets.length === 0) {
      this.context.schedule(10, () => this.next());
      return;
    }
    const node =
      this.leaderGuess !== undefined && this.random.chance(0.8)
        ? this.leaderGuess
        : this.random.pick(targets);
    const opId = `${this.id}-${this.sequence++}`;
    const key = this.random.pick(KEYS);
    const kind = this.random.int(0, 10);
    let input: HistoryOp["input"];
    if (kind < 4) input = { op: "put", key, value: opId, opId };
    else if (kind < 6) input = { op: "get", key, opId };
    else if (kind < 8) input = { op: "cas", key, expected: this.guessValue(), value: opId, opId };
    else input = { op: "read", key, opId };
    const record: HistoryOp = {
      client: this.id,
      call: this.context.now(),
      ret: undefined,
      input,
      output: undefined,
    };
    this.history.push(record);
    let isDone = false;
    const finish = () => {
      if (isDone) return;
      isDone = true;
      this.context.schedule(this.random.int(0, 20), () => this.next());
    };
    const callback: ClientCallback = (outcome) => {
      if (outcome.ok) {
        record.ret = this.context.now();
        record.output = outcome.result;
        this.leaderGuess = node;
      } else if (outcome.definite) {
        this.history.splice(this.history.indexOf(record), 1);
        if (this.leaderGuess === node) this.leaderGuess = undefined;
      }
      finish();
    };
    this.context.schedule(this.timeout, finish);
    if (input.op === "read") node.read(input.key, callback);
    else node.submit(input, callback);
  }

  private guessValue(): string | null {
    if (this.sequence < 2 || this.random.chance(0.3)) return null;
    return `${this.id}-${this.random.int(0, this.sequence - 1)}`;
  }
}
