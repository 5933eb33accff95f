// A seeded stream of write batches that exercises every kind of GroupWrite across 5 groups:
// appends, overwritten suffixes in a new term, local snapshots with compaction, snapshots
// from a leader, deleted and recreated groups, entries from empty to 40 KB. The crash child
// writes it; the parent replays it into MemoryLogStorage to know what must be on disk.

import {
  type GroupId,
  groupId,
  logIndex,
  nodeId,
  type Random,
  seededRandom,
  term,
} from "../../src/lib/index.ts";
import { EMPTY_CONF_STATE, type Entry } from "../../src/raft/index.ts";
import type { GroupWrite } from "../../src/storage/index.ts";

const GROUPS = 5;
/** Entries kept behind a local snapshot, as the host keeps them for slow followers. */
const TRAILING_MARGIN = 10;

interface GroupModel {
  term: number;
  commit: number;
  lastIndex: number;
  snapshotIndex: number;
}

export class CrashWorkload {
  private readonly random: Random;
  private readonly groups = new Map<GroupId, GroupModel>();

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  /** The next batch: 1 to 5 groups, each once. */
  next(): GroupWrite[] {
    const batch: GroupWrite[] = [];
    for (let id = 0; id < GROUPS; id++) {
      if (batch.length === 0 || this.random.chance(0.6)) batch.push(this.writeFor(groupId(id)));
    }
    return batch;
  }

  private writeFor(id: GroupId): GroupWrite {
    const model = this.groups.get(id);
    if (model === undefined) {
      const created = { term: 1, commit: 0, lastIndex: 0, snapshotIndex: 0 };
      this.groups.set(id, created);
      return this.append(id, created, this.random.int(1, 20));
    }
    const roll = this.random.nextFloat();
    if (roll < 0.55) return this.append(id, model, this.random.int(1, 20));
    if (roll < 0.7) return this.overwrite(id, model);
    if (roll < 0.85) return this.localSnapshot(id, model);
    if (roll < 0.93) return this.leaderSnapshot(id, model);
    if (roll < 0.97) {
      this.groups.delete(id);
      return { groupId: id, deleteGroup: true, entries: [] };
    }
    model.commit = this.random.int(model.commit, model.lastIndex + 1);
    return { groupId: id, hardState: this.hardState(model), entries: [] };
  }

  /** Appends `count` entries in the current term and commits some of the log. */
  private append(id: GroupId, model: GroupModel, count: number): GroupWrite {
    const entries = this.entries(model.lastIndex + 1, count, model.term);
    model.lastIndex += count;
    model.commit = this.random.int(model.commit, model.lastIndex + 1);
    return { groupId: id, hardState: this.hardState(model), entries };
  }

  /** A new leader overwrites part of the uncommitted suffix (§5.3). */
  private overwrite(id: GroupId, model: GroupModel): GroupWrite {
    model.term += 1;
    const from = this.random.int(
      Math.max(model.commit, model.snapshotIndex) + 1,
      model.lastIndex + 2,
    );
    const count = this.random.int(1, 10);
    const entries = this.entries(from, count, model.term);
    model.lastIndex = from + count - 1;
    return { groupId: id, hardState: this.hardState(model), entries };
  }

  /** Snapshot at the commit index, compaction behind it, and a few new entries. */
  private localSnapshot(id: GroupId, model: GroupModel): GroupWrite {
    model.snapshotIndex = model.commit;
    const snapshot = this.snapshot(model.commit, model.term);
    const compactThrough = logIndex(Math.max(0, model.commit - TRAILING_MARGIN));
    const entries = this.entries(model.lastIndex + 1, this.random.int(0, 5), model.term);
    model.lastIndex += entries.length;
    return { groupId: id, snapshot, compactThrough, entries };
  }

  /** InstallSnapshot from a leader that is ahead: the whole log is replaced. */
  private leaderSnapshot(id: GroupId, model: GroupModel): GroupWrite {
    model.term += 1;
    const index = model.lastIndex + this.random.int(1, 30);
    model.snapshotIndex = index;
    model.commit = index;
    const entries = this.entries(index + 1, this.random.int(0, 5), model.term);
    model.lastIndex = index + entries.length;
    return {
      groupId: id,
      hardState: this.hardState(model),
      snapshot: this.snapshot(index, model.term),
      snapshotReplacesLog: true,
      entries,
    };
  }

  private entries(from: number, count: number, entryTerm: number): Entry[] {
    const entries: Entry[] = [];
    for (let index = from; index < from + count; index++) {
      const bytes = this.random.chance(0.03) ? 40_000 : this.random.int(0, 2000);
      entries.push({
        index: logIndex(index),
        term: term(entryTerm),
        type: this.random.chance(0.05) ? "confChange" : "normal",
        data: this.bytes(bytes),
      });
    }
    return entries;
  }

  private snapshot(index: number, snapshotTerm: number) {
    const voters = [nodeId(1), nodeId(2), nodeId(this.random.int(3, 6))];
    return {
      metadata: {
        index: logIndex(index),
        term: term(snapshotTerm),
        confState: { ...EMPTY_CONF_STATE, voters },
      },
      data: this.bytes(this.random.int(0, 5000)),
    };
  }

  private hardState(model: GroupModel) {
    return {
      term: term(model.term),
      vote: nodeId(this.random.int(0, 4)),
      commit: logIndex(model.commit),
    };
  }

  private bytes(count: number): Uint8Array {
    const data = new Uint8Array(count);
    for (let i = 0; i < count; i += 4) {
      const word = this.random.nextU32();
      data[i] = word & 0xff;
      if (i + 1 < count) data[i + 1] = (word >>> 8) & 0xff;
      if (i + 2 < count) data[i + 2] = (word >>> 16) & 0xff;
      if (i + 3 < count) data[i + 3] = word >>> 24;
    }
    return data;
  }
}
