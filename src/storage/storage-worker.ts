// Entry point of the storage Worker: runs SqliteLogCore on its own thread, so that fsyncs,
// checkpoints and large reads never stall the node's event loop. Answers each request in
// order. A compiled binary must list this file as an extra entrypoint (see the Makefile).

import { parentPort } from "node:worker_threads";
import { assert, unreachable } from "../lib/index.ts";
import { SqliteLogCore } from "./sqlite-log-core.ts";
import {
  encodeError,
  type OpenResult,
  type StorageRequest,
  type StorageResponse,
} from "./worker-protocol.ts";

const port = parentPort;
assert(port !== null, "storage-worker.ts runs only as a Worker");

let core: SqliteLogCore | undefined;

function openCore(): SqliteLogCore {
  assert(core !== undefined, "the storage worker got a request before open");
  return core;
}

function handle(request: StorageRequest): unknown {
  switch (request.type) {
    case "open": {
      assert(core === undefined, "the storage worker is already open");
      core = SqliteLogCore.open(request.file, request.options);
      const result: OpenResult = { workerUrl: import.meta.url };
      return result;
    }
    case "write":
      return openCore().write(request.batch, { sync: request.sync });
    case "listGroups":
      return openCore().listGroups();
    case "loadGroup":
      return openCore().loadGroup(request.groupId);
    case "loadTombstone":
      return openCore().loadTombstone(request.groupId);
    case "readEntries":
      return openCore().readEntries(request.range);
    case "loadIdentity":
      return openCore().loadIdentity();
    case "saveIdentity":
      return openCore().saveIdentity(request.identity);
    case "close":
      core?.close();
      return undefined;
    default:
      return unreachable(request);
  }
}

port.on("message", (request: StorageRequest) => {
  let response: StorageResponse;
  try {
    response = { id: request.id, ok: true, value: handle(request) };
  } catch (error) {
    // Converted: every failure goes back to the caller as data and is rethrown there.
    response = { id: request.id, ok: false, error: encodeError(error) };
  }
  port.postMessage(response);
});
