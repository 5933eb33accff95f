// A tiny replicated key-value state machine for the Raft simulator. Commands travel through
// the log as JSON; results are computed at apply time, identically on every node.

export type KvCommand =
  | { readonly op: "put"; readonly key: string; readonly value: string; readonly opId: string }
  | { readonly op: "get"; readonly key: string; readonly opId: string }
  | {
      readonly op: "cas";
      readonly key: string;
      readonly expected: string | null;
      readonly value: string;
      readonly opId: string;
    };

export type KvResult = string | null | boolean;

export class KvStore {
  private data = new Map<string, string>();

  apply(command: KvCommand): KvResult {
    switch (command.op) {
      case "put":
        this.data.set(command.key, command.value);
        return null;
      case "get":
        return this.data.get(command.key) ?? null;
      case "cas": {
        const current = this.data.get(command.key) ?? null;
        if (current !== command.expected) return false;
        this.data.set(command.key, command.value);
        return true;
      }
    }
  }

  read(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  /** Canonical serialization: equal states give equal bytes. */
  snapshot(): Uint8Array {
    const sorted = [...this.data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return new TextEncoder().encode(JSON.stringify(sorted));
  }

  restore(data: Uint8Array): void {
    this.data = new Map(
      data.byteLength === 0
        ? []
        : (JSON.parse(new TextDecoder().decode(data)) as [string, string][]),
    );
  }

  digest(): string {
    return new TextDecoder().decode(this.snapshot());
  }
}

export function encodeCommand(command: KvCommand): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(command));
}

export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(new TextDecoder().decode(data)) as KvCommand;
}
