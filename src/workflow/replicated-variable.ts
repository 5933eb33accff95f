// The replicated variable behind ctx.checkpoint(): its value is the last one committed, set()
// records a new one as a `set` checkpoint, and a replay gets the recorded values back.
// Pure: the context's settle() does the recording.

import { InvalidArgumentError } from "../lib/index.ts";
import { toRecordedJson } from "./command-size.ts";
import type { Checkpoint } from "./context.ts";
import type { CheckpointOutcome } from "./execution.ts";
import type { JsonLike, JsonValue } from "./json.ts";

/** What a variable needs of the workflow's context (ReplayContext). */
export interface VariableHost {
  checkCaller(method: string): void;
  settle(
    kind: "set",
    name: string,
    produce: () => Promise<CheckpointOutcome>,
  ): Promise<{ readonly outcome: CheckpointOutcome }>;
}

/** The replicated variable behind ctx.checkpoint(). */
export class ReplicatedVariable<T extends JsonLike> implements Checkpoint<T> {
  constructor(
    private readonly key: string,
    private value: T,
    private readonly context: VariableHost,
  ) {}

  get(): T {
    return this.value;
  }

  async set(value: T): Promise<void> {
    this.context.checkCaller("set");
    const json = checkpointValue(this.key, value);
    const { outcome } = await this.context.settle("set", this.key, async () => ({
      ok: true,
      value: json,
    }));
    // The committed value wins: on replay it is what every member holds.
    this.value = outcomeValue(outcome) as T;
  }
}

export function checkpointValue(key: string, value: unknown): JsonValue {
  const json = toRecordedJson(value, `the value of checkpoint "${key}"`);
  if (json === undefined) {
    throw new InvalidArgumentError(`checkpoint "${key}" needs a JSON value; use null for none`);
  }
  return json;
}

export function outcomeValue(outcome: CheckpointOutcome): JsonValue {
  // Checkpoints only ever record { ok: true, value }; anything else is a corrupt record.
  if (!outcome.ok || outcome.value === undefined) return null;
  return outcome.value;
}
