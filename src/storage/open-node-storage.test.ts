import { afterEach, beforeEach, expect, test } from "bun:test";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rejectionOf } from "../../test/contracts/log-storage-fixtures.ts";
import { nodeId } from "../lib/index.ts";
import { nodeDirectoryPath, resolveNodeDirectory } from "./node-directory.ts";
import { openNodeStorage } from "./open-node-storage.ts";
import { IdentityConflictError } from "./storage-error.ts";

let storagePath = "";

beforeEach(() => {
  storagePath = mkdtempSync(join(tmpdir(), "raftoral-open-"));
});

afterEach(() => {
  rmSync(storagePath, { recursive: true, force: true });
});

const identity = (id: number) =>
  ({
    nodeId: nodeId(id),
    clusterId: "c1",
    advertiseAddress: `127.0.0.1:700${id}`,
    transport: "http",
  }) as const;

test("the directories a node creates are its user's only (0700)", async () => {
  const path = join(storagePath, "data");
  const directory = nodeDirectoryPath(path, nodeId(4));
  const opened = await openNodeStorage({ nodeId: nodeId(4), directory });
  await opened.storage.close();
  expect(statSync(path).mode & 0o777).toBe(0o700);
  expect(statSync(directory).mode & 0o777).toBe(0o700);
});

test("a node saved under P resumes from P alone, with its identity", async () => {
  const first = await openNodeStorage({
    nodeId: nodeId(2),
    directory: nodeDirectoryPath(storagePath, nodeId(2)),
  });
  expect(first.identity).toBeUndefined();
  await first.storage.saveIdentity(identity(2));
  await first.storage.close();

  const choice = resolveNodeDirectory({ storagePath });
  if (choice.kind !== "resume") throw new Error(`expected resume, got ${choice.kind}`);
  const again = await openNodeStorage(choice);
  expect(again.identity).toEqual(identity(2));
  await again.storage.close();
});

test("a directory holding another node's identity is refused", async () => {
  const directory = nodeDirectoryPath(storagePath, nodeId(3));
  const opened = await openNodeStorage({ nodeId: nodeId(3), directory });
  await opened.storage.saveIdentity(identity(4));
  await opened.storage.close();
  const refused = openNodeStorage({ nodeId: nodeId(3), directory });
  expect(await rejectionOf(refused)).toBeInstanceOf(IdentityConflictError);
  // The refused open closed its storage: the file can be opened again at once.
  const reopened = await openNodeStorage({ nodeId: nodeId(4), directory });
  await reopened.storage.close();
});

test("a directory whose database is empty or gone is refused as damaged, and left as it is", async () => {
  const directory = nodeDirectoryPath(storagePath, nodeId(2));
  const opened = await openNodeStorage({ nodeId: nodeId(2), directory });
  await opened.storage.saveIdentity(identity(2));
  await opened.storage.close();
  const file = join(directory, "raftoral.db");
  truncateSync(file, 0);
  const empty = await rejectionOf(openNodeStorage({ nodeId: nodeId(2), directory }));
  expect(empty).toMatchObject({ code: "STORAGE_CORRUPT" });
  expect((empty as Error).message).toStartWith(
    `${file} is empty while ${directory} holds raftoral.db:`,
  );
  expect(statSync(file).size).toBe(0);
  rmSync(file);
  writeFileSync(`${file}-wal`, "frames");
  const missing = await rejectionOf(openNodeStorage({ nodeId: nodeId(2), directory }));
  expect((missing as Error).message).toStartWith(
    `${file} is missing while ${directory} holds raftoral.db-wal:`,
  );
  expect(readdirSync(directory)).toEqual(["raftoral.db-wal"]);
});

test("an empty directory is a new node's", async () => {
  const directory = nodeDirectoryPath(storagePath, nodeId(5));
  mkdirSync(directory, { recursive: true });
  const opened = await openNodeStorage({ nodeId: nodeId(5), directory });
  expect(opened.identity).toBeUndefined();
  await opened.storage.close();
});
