// A node's simulated disk: what was written (`current`) and what was fsynced (`synced`).
// A crash keeps only `synced`, losing writes that were never synced, like a real page cache.

import { logIndex, NO_NODE, term } from "../../src/lib/index.ts";
import type { Entry, HardState, Snapshot } from "../../src/raft/index.ts";

export interface DiskImage {
  hardState: HardState;
  snapshot: Snapshot | undefined;
  /** Entries after the compaction point, contiguous. */
  entries: Entry[];
}

function cloneImage(image: DiskImage): DiskImage {
  return { hardState: image.hardState, snapshot: image.snapshot, entries: [...image.entries] };
}

export function emptyImage(): DiskImage {
  return {
    hardState: { term: term(0), vote: NO_NODE, commit: logIndex(0) },
    snapshot: undefined,
    entries: [],
  };
}

export class SimDisk {
  current: DiskImage;
  synced: DiskImage;

  constructor(initial: DiskImage) {
    this.current = cloneImage(initial);
    this.synced = cloneImage(initial);
  }

  write(update: {
    hardState?: HardState;
    snapshot?: Snapshot;
    replaceLog?: boolean;
    entries: readonly Entry[];
    mustSync: boolean;
  }): void {
    const image = this.current;
    if (update.hardState !== undefined) image.hardState = update.hardState;
    if (update.snapshot !== undefined) {
      image.snapshot = update.snapshot;
      // A snapshot from the leader replaces the log; a local one leaves compaction to compact().
      if (update.replaceLog === true) image.entries = [];
    }
    const first = update.entries[0];
    if (first !== undefined) {
      image.entries = image.entries.filter((entry) => entry.index < first.index);
      image.entries.push(...update.entries);
    }
    if (update.mustSync) this.sync();
  }

  /** Deletes entries up to `index` (compaction after a snapshot). */
  compact(index: number): void {
    this.current.entries = this.current.entries.filter((entry) => entry.index > index);
  }

  sync(): void {
    this.synced = cloneImage(this.current);
  }

  crash(): void {
    this.current = cloneImage(this.synced);
  }

  /** The entry at `index` in the written image, if held. */
  entry(index: number): Entry | undefined {
    const first = this.current.entries[0];
    if (first === undefined) return undefined;
    return this.current.entries[index - first.index];
  }

  lastIndex(image: DiskImage = this.current): number {
    return image.entries.at(-1)?.index ?? image.snapshot?.metadata.index ?? 0;
  }
}
