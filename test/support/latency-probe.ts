// Marks when an entry passes each stage of replication on one node, from the outside of the
// host: what leaves for peers and arrives from them (appends and their acknowledgements), when
// a write holding it starts and becomes durable, and when it is applied. Used by the KV test
// node (kv-node-process.ts --probe) for bench/latency-budget.bench.ts; nothing in src/ knows.

import type { GroupId, LogIndex } from "../../src/lib/index.ts";
import type { PeerSink, StateMachine } from "../../src/multiraft/index.ts";
import type { GroupWrite, LogStorage } from "../../src/storage/index.ts";
import type { PeerBatch, PeerMessage } from "../../src/transport/index.ts";

export type ProbeStage =
  | "proposed"
  | "write-begun"
  | "write-durable"
  | "commit-write-begun"
  | "commit-write-durable"
  | "append-sent"
  | "append-received"
  | "ack-sent"
  | "ack-received"
  | "applied"
  | "resolved";

export interface ProbeMark {
  /** Epoch milliseconds, fractional (performance.timeOrigin + performance.now()). */
  readonly t: number;
  readonly node: number;
  readonly stage: ProbeStage;
  readonly group: number;
  readonly index: number;
  /** The other end of a message. */
  readonly peer?: number;
}

export class LatencyProbe {
  private marks: ProbeMark[] = [];
  /** The last index applied in each group here. */
  readonly lastApplied = new Map<number, number>();

  constructor(private readonly node: number) {}

  static now(): number {
    return performance.timeOrigin + performance.now();
  }

  mark(stage: ProbeStage, group: number, index: number, peer?: number, t = LatencyProbe.now()) {
    this.marks.push({
      t,
      node: this.node,
      stage,
      group,
      index,
      ...(peer === undefined ? {} : { peer }),
    });
  }

  /** Every mark so far; forgets them. */
  take(): ProbeMark[] {
    const taken = this.marks;
    this.marks = [];
    return taken;
  }

  /** `inner`, marking the appends and acknowledgements that leave for each peer. */
  sink(inner: PeerSink): PeerSink {
    return {
      send: (peer, messages) => {
        this.markMessages(messages, "append-sent", "ack-sent", peer);
        inner.send(peer, messages);
      },
    };
  }

  /** Marks what a batch from a peer carries, as it arrives. */
  received(batch: PeerBatch): void {
    this.markMessages(batch.messages, "append-received", "ack-received", batch.from);
  }

  /** `inner`, marking when each write starts and when it is durable. */
  storage(inner: LogStorage): LogStorage {
    return new Proxy(inner, {
      get: (target, property) => {
        if (property === "write") {
          return async (batch: readonly GroupWrite[], options?: { sync?: boolean }) => {
            this.markWrites("write-begun", "commit-write-begun", batch);
            await target.write(batch, options);
            this.markWrites("write-durable", "commit-write-durable", batch);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** `inner`, marking each applied index. */
  machine(group: GroupId, inner: StateMachine): StateMachine {
    return new Proxy(inner, {
      get: (target, property) => {
        if (property === "apply") {
          return (data: Uint8Array, index: LogIndex) => {
            this.mark("applied", group, index);
            this.lastApplied.set(group, index);
            return target.apply(data, index);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** A write with entries marks its last index; one with only a hard state, its commit. */
  private markWrites(
    stage: ProbeStage,
    commitStage: ProbeStage,
    batch: readonly GroupWrite[],
  ): void {
    for (const write of batch) {
      const last = write.entries.at(-1);
      if (last !== undefined) this.mark(stage, write.groupId, last.index);
      else if (write.hardState !== undefined) {
        this.mark(commitStage, write.groupId, write.hardState.commit);
      }
    }
  }

  private markMessages(
    messages: readonly PeerMessage[],
    append: ProbeStage,
    ack: ProbeStage,
    peer: number,
  ): void {
    for (const message of messages) {
      if (message.type !== "raft") continue;
      const raft = message.message;
      if (raft.type === "AppendEntries") {
        const last = raft.entries.at(-1);
        if (last !== undefined) this.mark(append, message.groupId, last.index, peer);
      } else if (raft.type === "AppendEntriesResponse" && raft.success) {
        this.mark(ack, message.groupId, raft.index, peer);
      }
    }
  }
}
