// Messages between WorkerLogStorage (main thread) and the storage Worker. Requests carry an id
// and are answered in order; errors travel as plain data and are rebuilt as the same typed
// errors on the other side, so callers cannot tell the Worker is there.

import { AssertionError, type GroupId, groupId, logIndex } from "../lib/index.ts";
import type { GroupWrite, NodeIdentity, ReadEntriesRange } from "./log-storage.ts";
import type { SqliteLogCoreOptions } from "./sqlite-log-core.ts";
import {
  isStorageErrorCode,
  StorageError,
  type StorageErrorLocation,
  storageErrorFromCode,
} from "./storage-error.ts";

export type StorageCall =
  | { readonly type: "open"; readonly file: string; readonly options: SqliteLogCoreOptions }
  | { readonly type: "write"; readonly batch: readonly GroupWrite[]; readonly sync: boolean }
  | { readonly type: "listGroups" }
  | { readonly type: "loadGroup"; readonly groupId: GroupId }
  | { readonly type: "loadTombstone"; readonly groupId: GroupId }
  | { readonly type: "readEntries"; readonly range: ReadEntriesRange }
  | { readonly type: "loadIdentity" }
  | { readonly type: "saveIdentity"; readonly identity: NodeIdentity }
  | { readonly type: "close" };

export type StorageRequest = StorageCall & { readonly id: number };

/** An error as data: what it takes to rebuild the same class, code, message and location. */
export interface EncodedError {
  readonly kind: "storage" | "assertion" | "other";
  readonly code: string;
  readonly message: string;
  readonly file?: string;
  readonly groupId?: number;
  readonly index?: number;
}

export type StorageResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: EncodedError };

/** What the Worker answers to "open": where its code was loaded from, for the logs and tests. */
export interface OpenResult {
  readonly workerUrl: string;
}

export function encodeError(error: unknown): EncodedError {
  if (error instanceof StorageError) {
    return {
      kind: "storage",
      code: error.code,
      message: error.message,
      ...(error.file === undefined ? {} : { file: error.file }),
      ...(error.groupId === undefined ? {} : { groupId: error.groupId }),
      ...(error.index === undefined ? {} : { index: error.index }),
    };
  }
  if (error instanceof AssertionError) {
    return { kind: "assertion", code: "INTERNAL", message: error.message };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: "other", code: "STORAGE_FAILED", message };
}

/** Rebuilds an error encoded by the other side (same class for storage errors and bugs). */
export function decodeError(encoded: EncodedError): Error {
  if (encoded.kind === "assertion") return new AssertionError(encoded.message);
  const location: StorageErrorLocation = {
    ...(encoded.file === undefined ? {} : { file: encoded.file }),
    ...(encoded.groupId === undefined ? {} : { groupId: groupId(encoded.groupId) }),
    ...(encoded.index === undefined ? {} : { index: logIndex(encoded.index) }),
  };
  if (encoded.kind === "storage" && isStorageErrorCode(encoded.code)) {
    return storageErrorFromCode(encoded.code, encoded.message, location);
  }
  return new StorageError("STORAGE_FAILED", `storage worker: ${encoded.message}`, location);
}
