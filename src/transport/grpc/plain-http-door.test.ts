// `curl http://<node>/health` against a gRPC node's cleartext port, as the quick start's
// troubleshooting has it: HTTP/1.1 GET /health answers as an HTTP node does, anything else
// over HTTP/1.1 is told the port speaks gRPC, GET /health over HTTP/2 answers too, and gRPC
// calls go on as before, also when their first bytes arrive in pieces; closing the server
// closes the connections still undecided, the deadline closes an answered one whose client
// never closes its side, and past its cap of undecided connections the oldest gives way.

import { afterAll, beforeAll, expect, test } from "bun:test";
import http2 from "node:http2";
import net from "node:net";
import { FakeNodeApi } from "../../../test/contracts/fake-node-api.ts";
import { createLogger, nodeId } from "../../lib/index.ts";
import { GrpcClient } from "./client.ts";
import { GrpcTransportServer } from "./grpc-transport-server.ts";
import type { HealthCheckRequest, HealthCheckResponse } from "./health.ts";
import { protoMethod } from "./method.ts";
import { plainHttpDoor } from "./plain-http-door.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const api = new FakeNodeApi();
const server = new GrpcTransportServer({ logger, closeGraceMs: 50 });
let address = "";

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  address = `127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.close();
});

/** Sends `request` as raw bytes, in the pieces given, and reads the answer to its end. */
async function raw(...pieces: string[]): Promise<string> {
  const socket = net.connect({ host: "127.0.0.1", port: Number(address.split(":")[1]) });
  let answer = "";
  socket.on("data", (chunk) => {
    answer += chunk.toString("latin1");
  });
  const ended = new Promise((resolve) => socket.on("close", resolve));
  await new Promise((resolve) => socket.once("connect", resolve));
  for (const piece of pieces) {
    socket.write(piece);
    await Bun.sleep(10);
  }
  await ended;
  return answer;
}

test("HTTP/1.1 GET /health answers as an HTTP node does", async () => {
  const response = await fetch(`http://${address}/health`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", node_id: 1, is_leader: true });
});

test("a node that is not ok answers 503 with the reason", async () => {
  api.script.health = () => ({
    status: "starting",
    nodeId: nodeId(2),
    isLeader: false,
    reason: "joining the cluster",
  });
  try {
    const response = await fetch(`http://${address}/health?verbose`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: "starting",
      reason: "joining the cluster",
    });
  } finally {
    api.reset();
  }
});

test("a request that arrives in pieces is answered once its head is whole", async () => {
  const answer = await raw("GE", "T /health HTT", "P/1.1\r\nHost: x\r\n\r\n");
  expect(answer.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
  expect(answer).toContain('"status":"ok"');
});

test("any other HTTP/1.1 request is told the port speaks gRPC", async () => {
  const response = await fetch(`http://${address}/workflow/execute`, {
    method: "POST",
    body: "{}",
  });
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: string; code: string };
  expect(body.error).toContain("gRPC port");
  // Whoever called the wrong protocol is told which to use; without a code, as no HTTP node's
  // error lacks one, so that our client asks the port what it speaks.
  expect(body.error).toContain("grpc://");
  expect(body.code).toBeUndefined();
});

test("GET /health over HTTP/2 answers too, and gRPC calls go on", async () => {
  const session = http2.connect(`http://${address}`);
  session.on("error", () => undefined);
  const stream = session.request({ ":method": "GET", ":path": "/health" });
  const status = await new Promise((resolve) =>
    stream.on("response", (h) => resolve(h[":status"])),
  );
  let body = "";
  stream.on("data", (chunk: Buffer) => {
    body += chunk.toString();
  });
  await new Promise((resolve) => stream.on("end", resolve));
  session.close();
  expect(status).toBe(200);
  expect(JSON.parse(body)).toMatchObject({ status: "ok", node_id: 1 });
  const client = new GrpcClient({ address });
  const check = protoMethod<HealthCheckRequest, HealthCheckResponse>(
    "grpc.health.v1.Health",
    "Check",
  );
  expect((await client.unary(check, { service: "" })).status).toBe(1);
  client.close();
});

/**
 * A proxy to the node that sends a client's first bytes in pieces of `sizes`, 20 ms apart,
 * as a slow link or a proxy may, and the rest as it comes.
 */
async function splittingProxy(sizes: readonly number[]): Promise<net.Server> {
  const port = Number(address.split(":")[1]);
  const proxy = net.createServer((client) => {
    const node = net.connect(port, "127.0.0.1");
    node.on("data", (data) => client.write(data));
    node.on("close", () => client.destroy());
    node.on("error", () => undefined);
    client.on("error", () => undefined);
    client.on("close", () => node.destroy());
    let isFirst = true;
    client.on("data", async (data: Buffer) => {
      if (!isFirst) return void node.write(data);
      isFirst = false;
      let rest = data;
      for (const size of sizes) {
        node.write(rest.subarray(0, size));
        rest = rest.subarray(size);
        await Bun.sleep(20);
      }
      node.write(rest);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return proxy;
}

test("a gRPC client whose first bytes arrive in pieces is served", async () => {
  const check = protoMethod<HealthCheckRequest, HealthCheckResponse>(
    "grpc.health.v1.Health",
    "Check",
  );
  for (const sizes of [[3, 1], [1, 1, 1, 1, 1], [10, 14], [23]]) {
    const proxy = await splittingProxy(sizes);
    const { port } = proxy.address() as net.AddressInfo;
    const client = new GrpcClient({ address: `127.0.0.1:${port}` });
    try {
      expect((await client.unary(check, { service: "" }, { timeoutMs: 3_000 })).status).toBe(1);
    } finally {
      client.close();
      proxy.close();
    }
  }
});

test("closing the server closes connections that have not said what they speak", async () => {
  const own = new GrpcTransportServer({ logger, closeGraceMs: 50 });
  const { port } = await own.listen("127.0.0.1", 0, new FakeNodeApi());
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => undefined);
  const closed = new Promise((resolve) => socket.on("close", resolve));
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write("GE");
  await Bun.sleep(20);
  await own.close();
  await closed;
  expect(socket.destroyed).toBe(true);
});

test("an answered HTTP/1 connection whose client keeps it open is closed at the deadline", async () => {
  const door = plainHttpDoor(http2.createServer(), () => ({ status: 200, json: "{}" }), {
    firstBytesTimeoutMs: 300,
  });
  await new Promise<void>((resolve) => door.listener.listen(0, "127.0.0.1", resolve));
  const { port } = door.listener.address() as net.AddressInfo;
  // A client that reads the answer and never closes its side: before, it held the
  // connection (and a descriptor of the node) for as long as it liked.
  const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  socket.on("error", () => undefined);
  let answer = "";
  socket.on("data", (chunk: Buffer) => {
    answer += chunk.toString("latin1");
  });
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  try {
    // A byte written to a connection the node has closed is answered with a reset.
    const deadline = performance.now() + 10_000;
    while (!socket.destroyed && performance.now() < deadline) {
      socket.write("x");
      await Bun.sleep(50);
    }
    expect(answer.startsWith("HTTP/1.1 200 OK")).toBe(true);
    expect(socket.destroyed).toBe(true);
  } finally {
    socket.destroy();
    door.listener.close();
  }
}, 15_000);

test("past its cap of undecided connections the door closes the oldest for the new one", async () => {
  const door = plainHttpDoor(http2.createServer(), () => ({ status: 200, json: "{}" }), {
    undecidedMax: 3,
  });
  await new Promise<void>((resolve) => door.listener.listen(0, "127.0.0.1", resolve));
  const { port } = door.listener.address() as net.AddressInfo;
  const sockets: net.Socket[] = [];
  const closed = new Set<number>();
  const open = async (index: number) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.on("error", () => undefined);
    socket.on("close", () => closed.add(index));
    sockets.push(socket);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("G"); // says nothing yet of what it speaks
  };
  try {
    // Before, every one of them stayed open for the whole first-bytes deadline (10 s).
    for (const index of [0, 1, 2]) await open(index);
    const deadline = performance.now() + 10_000;
    await open(3);
    while (!closed.has(0) && performance.now() < deadline) await Bun.sleep(10);
    expect([...closed]).toEqual([0]);
    // A burst arriving together closes as many of the oldest, not one of them many times.
    await Promise.all([4, 5, 6, 7, 8].map(open));
    while (closed.size < 6 && performance.now() < deadline) await Bun.sleep(10);
    expect([...closed].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // A health check still gets its answer: it is the newest.
    const answer = await fetch(`http://127.0.0.1:${port}/health`);
    expect(answer.status).toBe(200);
  } finally {
    for (const socket of sockets) socket.destroy();
    door.listener.close();
  }
}, 15_000);
