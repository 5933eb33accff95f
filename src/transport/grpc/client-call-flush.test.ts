// A request written on a streaming call leaves at once, not when the task that wrote it ends:
// Bun's node:http2 holds writes until then, and a peer batch written early in a turn would
// wait for the rest of the turn (docs/performance.md, "One replicated commit"). The server
// runs in another process, which marks a file when the message arrives; this process keeps
// its task busy until the mark appears.

import { afterAll, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eventually } from "../../../test/support/ports.ts";
import { GrpcClient } from "./client.ts";
import { RaftServiceMethods } from "./raftoral-methods.ts";

const directory = fs.mkdtempSync(path.join(os.tmpdir(), "raftoral-flush-"));
const opened = path.join(directory, "opened");
const marker = path.join(directory, "arrived");
let server: ChildProcess | undefined;
let client: GrpcClient | undefined;

afterAll(async () => {
  client?.close();
  server?.kill("SIGKILL");
  fs.rmSync(directory, { recursive: true, force: true });
});

/** An HTTP/2 server that marks a file when a call opens and another when its data arrives. */
const SERVER = `
const http2 = require("node:http2");
const fs = require("node:fs");
const server = http2.createServer();
server.on("stream", (stream) => {
  fs.writeFileSync(${JSON.stringify(opened)}, "1");
  stream.on("data", () => fs.writeFileSync(${JSON.stringify(marker)}, "1"));
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

async function startServer(): Promise<number> {
  const child = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  server = child;
  const stdout = child.stdout;
  if (stdout === null) throw new Error("the server has no stdout");
  const line = await new Promise<string>((resolve, reject) => {
    stdout.once("data", (chunk: Buffer) => resolve(String(chunk)));
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}`)));
  });
  return Number(line.trim());
}

/** Busy-waits, without yielding to the event loop, until the file exists or `limitMs` passed. */
function arrivesWithinTask(limitMs: number): boolean {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) if (fs.existsSync(marker)) return true;
  return false;
}

test("a streamed request reaches the server while the writing task still runs", async () => {
  const port = await startServer();
  client = new GrpcClient({ address: `127.0.0.1:${port}` });
  const call = client.bidiStreaming(RaftServiceMethods.streamMessages);
  // The session connects and the call's headers arrive first, in turns of the event loop.
  await eventually("the call reached the server", () => fs.existsSync(opened));
  expect(fs.existsSync(marker)).toBe(false);
  call.send({ clusterId: 1, message: "raftMessage", raftMessage: new Uint8Array([1, 2, 3]) });
  expect(arrivesWithinTask(5_000)).toBe(true);
  call.cancel("done");
});
