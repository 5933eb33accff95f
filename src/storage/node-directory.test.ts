import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeId } from "../lib/index.ts";
import {
  checkStoredIdentity,
  chooseNodeDirectory,
  DATABASE_FILE_NAME,
  listNodeIds,
  resolveNodeDirectory,
} from "./node-directory.ts";
import { IdentityConflictError } from "./storage-error.ts";

const P = "/data/raftoral";
const ids = (...values: number[]) => values.map((value) => nodeId(value));

function conflict(action: () => unknown): IdentityConflictError {
  try {
    action();
  } catch (error) {
    // The refusal is the result under test; anything else is a failure, rethrown.
    if (error instanceof IdentityConflictError) return error;
    throw error;
  }
  throw new Error("expected an IdentityConflictError, none was thrown");
}

describe("choosing the node directory at start-up", () => {
  test("an empty path without --node-id waits for the id from bootstrap or join", () => {
    expect(chooseNodeDirectory({ storagePath: P, storedNodeIds: [] })).toEqual({
      kind: "unassigned",
    });
  });

  test("an empty path with --node-id starts that node", () => {
    const choice = chooseNodeDirectory({
      storagePath: P,
      storedNodeIds: [],
      requestedNodeId: nodeId(4),
    });
    expect(choice).toEqual({ kind: "new", nodeId: nodeId(4), directory: `${P}/node_4` });
  });

  test("one node directory and no --node-id resumes that node", () => {
    expect(chooseNodeDirectory({ storagePath: P, storedNodeIds: ids(3) })).toEqual({
      kind: "resume",
      nodeId: nodeId(3),
      directory: `${P}/node_3`,
    });
  });

  test("one node directory and the same --node-id resumes it", () => {
    const choice = chooseNodeDirectory({
      storagePath: P,
      storedNodeIds: ids(3),
      requestedNodeId: nodeId(3),
    });
    expect(choice).toMatchObject({ kind: "resume", nodeId: 3 });
  });

  test("a --node-id that contradicts the one stored node is refused", () => {
    const error = conflict(() =>
      chooseNodeDirectory({ storagePath: P, storedNodeIds: ids(3), requestedNodeId: nodeId(5) }),
    );
    expect(error.code).toBe("IDENTITY_CONFLICT");
    expect(error.message).toBe(
      `--node-id 5 contradicts --storage-path ${P}, which holds the data of node 3 (node_3). Start without --node-id (or with --node-id 3) to resume node 3, or give a new node an empty --storage-path.`,
    );
    expect(error).toMatchObject({ storedNodeIds: [3], requestedNodeId: 5, file: P });
  });

  test("several node directories without --node-id ask for it", () => {
    const error = conflict(() => chooseNodeDirectory({ storagePath: P, storedNodeIds: ids(1, 2) }));
    expect(error.message).toContain("holds the data of several nodes (node_1, node_2)");
    expect(error.message).toContain("start with --node-id <N>");
  });

  test("several node directories and a --node-id among them resume that one", () => {
    const choice = chooseNodeDirectory({
      storagePath: P,
      storedNodeIds: ids(1, 2),
      requestedNodeId: nodeId(2),
    });
    expect(choice).toEqual({ kind: "resume", nodeId: nodeId(2), directory: `${P}/node_2` });
  });

  test("several node directories and a --node-id not among them are refused", () => {
    const error = conflict(() =>
      chooseNodeDirectory({ storagePath: P, storedNodeIds: ids(1, 2), requestedNodeId: nodeId(7) }),
    );
    expect(error.message).toContain("--node-id 7 is not one of the nodes stored");
  });
});

describe("the identity inside a node directory", () => {
  const identity = {
    nodeId: nodeId(4),
    clusterId: "c1",
    advertiseAddress: "127.0.0.1:7004",
    transport: "grpc",
  } as const;

  test("matches its name, or nothing is stored yet", () => {
    checkStoredIdentity({ directory: `${P}/node_4`, nodeId: nodeId(4), identity });
    checkStoredIdentity({ directory: `${P}/node_4`, nodeId: nodeId(4), identity: undefined });
  });

  test("a directory renamed to another node's name is refused", () => {
    const error = conflict(() =>
      checkStoredIdentity({ directory: `${P}/node_3`, nodeId: nodeId(3), identity }),
    );
    expect(error.message).toContain(`${P}/node_3 holds the identity of node 4`);
  });
});

describe("listing a real storage path", () => {
  let path = "";

  beforeEach(() => {
    path = mkdtempSync(join(tmpdir(), "raftoral-nodes-"));
  });

  afterEach(() => {
    rmSync(path, { recursive: true, force: true });
  });

  test("only node_<N> directories count, ascending", () => {
    for (const name of ["node_12", "node_3", "node_0", "node_07", "node_x", "backup"]) {
      mkdirSync(join(path, name));
    }
    writeFileSync(join(path, "node_5"), "a file, not a directory");
    expect(listNodeIds(path)).toEqual(ids(3, 12));
  });

  test("a path through a file is refused, saying so and what to give instead", () => {
    writeFileSync(join(path, "a-file"), "not a directory");
    for (const given of [join(path, "a-file", "x"), join(path, "a-file")]) {
      // A setting to fix (exit 1), not a failing disk (STORAGE_FAILED, exit 74).
      expect(() => listNodeIds(given)).toThrow(
        expect.objectContaining({
          code: "INVALID_ARGUMENT",
          message: `the storage path ${given} is not a directory this node can use (it, or a part of it, is a file); give a directory this user may write, or one that does not exist yet`,
        }),
      );
    }
  });

  test("a node's own directory given as the path is refused, naming the path to give", () => {
    const own = join(path, "node_2");
    mkdirSync(own);
    writeFileSync(join(own, DATABASE_FILE_NAME), "");
    expect(() => listNodeIds(own)).toThrow(
      `--storage-path ${own} is a node's own directory (it holds raftoral.db of node 2): give the directory that holds it, ${path}, to resume that node`,
    );
  });

  test("a path that does not exist yet holds no node", () => {
    expect(resolveNodeDirectory({ storagePath: join(path, "missing") })).toEqual({
      kind: "unassigned",
    });
  });

  test("a restart with the same path finds the one node", () => {
    mkdirSync(join(path, "node_2"));
    expect(resolveNodeDirectory({ storagePath: path })).toEqual({
      kind: "resume",
      nodeId: nodeId(2),
      directory: join(path, "node_2"),
    });
  });
});
