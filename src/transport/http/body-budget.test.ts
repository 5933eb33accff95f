// Request bodies a client begins and does not finish, on a real HTTP listener: 400
// connections that each sent a 1 MiB body but its last byte held 450 MB of a node for the 20 s
// a body may take, and could again at once. What bodies hold past their first 64 KiB now
// shares a budget per listener: a body that would pass it is refused (429), its bytes go back
// once read, small bodies always go, and peer batches are never counted.

import { afterAll, beforeAll, expect, test } from "bun:test";
import net from "node:net";
import { FakeNodeApi } from "../../../test/contracts/fake-node-api.ts";
import { createLogger } from "../../lib/index.ts";
import { HttpTransportServer } from "./http-transport-server.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const server = new HttpTransportServer({ logger, bodyBudgetBytesMax: 150 * 1024 });
let port = 0;

beforeAll(async () => {
  ({ port } = await server.listen("127.0.0.1", 0, new FakeNodeApi()));
});
afterAll(() => server.close());

/** A start whose body is `size` bytes long. */
function startBody(size: number): string {
  const head = '{"name":"ping_pong","version":1,"input":"\\"';
  const tail = '\\""}';
  return `${head}${"x".repeat(size - head.length - tail.length)}${tail}`;
}

interface Sent {
  /** The status line's code, once answered. */
  status: number | undefined;
  text: string;
  /** Sends the body's last byte. */
  finish(): void;
  close(): void;
}

/** POSTs `body` to `path`, all but its last byte; the answer fills in as it comes. */
function sendAllButLast(path: string, body: string): Sent {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => undefined);
  const sent: Sent = {
    status: undefined,
    text: "",
    finish: () => socket.write(body.slice(-1)),
    close: () => socket.destroy(),
  };
  socket.on("data", (chunk: Buffer) => {
    sent.text += chunk.toString("latin1");
    const code = /^HTTP\/1\.1 (\d{3})/.exec(sent.text)?.[1];
    if (code !== undefined) sent.status = Number(code);
  });
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body.slice(0, -1)}`,
  );
  return sent;
}

async function answered(sent: Sent): Promise<number> {
  const deadline = performance.now() + 10_000;
  while (sent.status === undefined && performance.now() < deadline) await Bun.sleep(10);
  return sent.status ?? 0;
}

test("a body that would pass the budget is refused; small ones go, and bytes come back", async () => {
  // Each holds 136 KiB past its first 64 KiB once read but for its last byte: one fits.
  const both = [0, 1].map(() => sendAllButLast("/workflow/execute", startBody(200 * 1024)));
  try {
    const deadline = performance.now() + 10_000;
    while (both.every((sent) => sent.status === undefined) && performance.now() < deadline) {
      await Bun.sleep(10);
    }
    const refused = both.find((sent) => sent.status !== undefined);
    const held = both.find((sent) => sent.status === undefined);
    expect(refused?.status).toBe(429);
    expect(refused?.text).toContain("request bodies still arriving");
    const small = sendAllButLast("/workflow/execute", startBody(1024));
    small.finish();
    expect(await answered(small)).toBe(200);
    small.close();
    held?.finish();
    expect(held === undefined ? 0 : await answered(held)).toBe(200);
    const next = sendAllButLast("/workflow/execute", startBody(200 * 1024));
    next.finish();
    expect(await answered(next)).toBe(200);
    next.close();
  } finally {
    for (const sent of both) sent.close();
  }
}, 30_000);

test("peer batches are never counted", async () => {
  const held = sendAllButLast("/workflow/execute", startBody(200 * 1024));
  const batch = JSON.stringify({ from: 2, to: 1, messages: [], pad: "x".repeat(200 * 1024) });
  const peer = sendAllButLast("/raft/message", batch);
  try {
    peer.finish();
    expect(await answered(peer)).toBe(200);
    held.finish();
    expect(await answered(held)).toBe(200);
  } finally {
    held.close();
    peer.close();
  }
}, 30_000);
