// A key-value state machine used only by tests of the multi-Raft host: commands are JSON
// ({op: "put", key, value} or {op: "get", key}); results are the previous or current value.

import { concatBytes } from "../../src/lib/index.ts";
import type { StateMachine } from "../../src/multiraft/index.ts";

export type KvOp = { op: "put"; key: string; value: string } | { op: "get"; key: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function kvCommand(op: KvOp): Uint8Array {
  return encoder.encode(JSON.stringify(op));
}

export class KvStateMachine implements StateMachine {
  data = new Map<string, string>();
  applied = 0;

  apply(command: Uint8Array): unknown {
    const op = JSON.parse(decoder.decode(command)) as KvOp;
    this.applied++;
    if (op.op === "put") {
      const previous = this.data.get(op.key) ?? null;
      this.data.set(op.key, op.value);
      return previous;
    }
    if (op.op === "get") return this.data.get(op.key) ?? null;
    throw new Error(`unknown op ${(op as { op: string }).op}`);
  }

  snapshotAfter(prefix: Uint8Array): Uint8Array {
    return concatBytes(prefix, encoder.encode(JSON.stringify([...this.data])));
  }

  restore(data: Uint8Array): void {
    this.data = new Map(JSON.parse(decoder.decode(data)) as [string, string][]);
  }
}
