// A LogStorage that hands every call to another one: the base of test storages that change
// only how writes (and closing) behave, such as a disk that fails or one that loses writes.

import type { GroupId } from "../../src/lib/index.ts";
import type { Entry } from "../../src/raft/index.ts";
import type {
  GroupTombstone,
  GroupWrite,
  LogStorage,
  NodeIdentity,
  ReadEntriesRange,
  StoredGroup,
  WriteOptions,
} from "../../src/storage/index.ts";

export class ForwardingLogStorage implements LogStorage {
  constructor(protected readonly inner: LogStorage) {}

  write(batch: readonly GroupWrite[], options?: WriteOptions): Promise<void> {
    return this.inner.write(batch, options);
  }

  listGroups(): Promise<GroupId[]> {
    return this.inner.listGroups();
  }

  loadGroup(groupId: GroupId): Promise<StoredGroup | undefined> {
    return this.inner.loadGroup(groupId);
  }

  loadTombstone(groupId: GroupId): Promise<GroupTombstone | undefined> {
    return this.inner.loadTombstone(groupId);
  }

  readEntries(range: ReadEntriesRange): Promise<Entry[]> {
    return this.inner.readEntries(range);
  }

  loadIdentity(): Promise<NodeIdentity | undefined> {
    return this.inner.loadIdentity();
  }

  saveIdentity(identity: NodeIdentity): Promise<void> {
    return this.inner.saveIdentity(identity);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
