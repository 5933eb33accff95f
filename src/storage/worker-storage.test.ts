import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLogStorageContract } from "../../test/contracts/log-storage.contract.ts";
import {
  G1,
  hardState,
  makeEntries,
  rejectionOf,
} from "../../test/contracts/log-storage-fixtures.ts";
import { AssertionError, logIndex } from "../lib/index.ts";
import { StorageCorruptError, StorageError } from "./storage-error.ts";
import { prestartStorageWorker, WorkerLogStorage } from "./worker-storage.ts";

runLogStorageContract("bun:sqlite in the storage Worker", async () => {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-worker-"));
  const file = join(directory, "node_1", "raftoral.db");
  return {
    open: () => WorkerLogStorage.open(file),
    destroy: async () => rmSync(directory, { recursive: true, force: true }),
  };
});

describe("the storage Worker boundary", () => {
  let directory = "";
  let file = "";

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "raftoral-boundary-"));
    file = join(directory, "raftoral.db");
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  test("a corrupt entry arrives as a StorageCorruptError with its location", async () => {
    const storage = await WorkerLogStorage.open(file);
    await storage.write([
      { groupId: G1, hardState: hardState(1, 1, 0), entries: makeEntries(1, 3, 1) },
    ]);
    await storage.close();
    const db = new Database(file);
    db.run("UPDATE entry SET term = 7 WHERE entry_index = 2");
    db.close();
    const reopened = await WorkerLogStorage.open(file);
    const range = { groupId: G1, fromIndex: logIndex(1), toIndexInclusive: logIndex(3) };
    const read = reopened.readEntries({ ...range, bytesMax: 1000 });
    const error = await rejectionOf(read);
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect(error).toMatchObject({ file, groupId: 1, index: 2 });
    await reopened.close();
  });

  test("a caller bug arrives as an AssertionError", async () => {
    const storage = await WorkerLogStorage.open(file);
    const gap = storage.write([{ groupId: G1, entries: makeEntries(2, 3, 1) }]);
    expect(await rejectionOf(gap)).toBeInstanceOf(AssertionError);
    await storage.close();
  });

  test("a Worker that cannot start fails the open with a StorageError saying how to build", async () => {
    const missing = join(directory, "no-such-worker.ts");
    const opening = WorkerLogStorage.open(file, { workerUrl: missing });
    const error = await rejectionOf(opening);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain("needs src/storage/storage-worker.ts as an extra");
  });

  test("the Worker answers in order: close waits for the writes sent before it", async () => {
    const storage = await WorkerLogStorage.open(file);
    const writes = [1, 2, 3].map((index) =>
      storage.write([{ groupId: G1, entries: makeEntries(index, index, 1) }]),
    );
    await storage.close();
    await Promise.all(writes);
    const reopened = await WorkerLogStorage.open(file);
    expect((await reopened.loadGroup(G1))?.lastIndex).toBe(logIndex(3));
    await reopened.close();
  });

  test("a Worker started ahead of time serves the next open of its code", async () => {
    prestartStorageWorker();
    const storage = await WorkerLogStorage.open(file);
    await storage.write([{ groupId: G1, entries: makeEntries(1, 2, 1) }]);
    expect((await storage.loadGroup(G1))?.lastIndex).toBe(logIndex(2));
    await storage.close();
    // Taken: the next open starts its own Worker, and the data is there.
    const reopened = await WorkerLogStorage.open(file);
    expect((await reopened.loadGroup(G1))?.lastIndex).toBe(logIndex(2));
    await reopened.close();
  });

  test("a Worker started ahead of time that cannot start still fails the open, not hangs", async () => {
    const missing = join(directory, "no-such-worker.ts");
    prestartStorageWorker(missing);
    // The spare dies before it is taken (or just after): either way the open reports it.
    await Bun.sleep(50);
    const error = await rejectionOf(WorkerLogStorage.open(file, { workerUrl: missing }));
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain("needs src/storage/storage-worker.ts as an extra");
  });

  test("a spare Worker of other code is left for its own open", async () => {
    const missing = join(directory, "no-such-worker.ts");
    prestartStorageWorker(missing);
    const storage = await WorkerLogStorage.open(file);
    await storage.write([{ groupId: G1, entries: makeEntries(1, 1, 1) }]);
    await storage.close();
    const error = await rejectionOf(WorkerLogStorage.open(file, { workerUrl: missing }));
    expect(error).toBeInstanceOf(StorageError);
  });
});
