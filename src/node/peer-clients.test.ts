import { expect, test } from "bun:test";
import type { ProtocolClient } from "../client/index-core.ts";
import { createLogger, RaftoralError } from "../lib/index.ts";
import { PeerClocks } from "../transport/index.ts";
import { PeerClients } from "./peer-clients.ts";

/** A factory of fake clients that records each client it made and which were closed. */
function recordingFactory() {
  const made: string[] = [];
  const closed: string[] = [];
  const factory = (kind: string, address: string) => {
    const name = `${kind} ${address} #${made.filter((m) => m.startsWith(`${kind} ${address}`)).length + 1}`;
    made.push(name);
    return {
      address: name,
      close: async () => {
        closed.push(name);
      },
    } as unknown as ProtocolClient;
  };
  return { factory, made, closed };
}

const nameOf = async (client: ProtocolClient) => client.address;

/** A call through `clients` to grpc a:1 that fails with `error`; resolves with what it threw. */
function failingCall(clients: PeerClients, error: Error): Promise<unknown> {
  return clients
    .call("grpc", "a:1", async () => {
      throw error;
    })
    .catch((thrown: unknown) => thrown);
}

test("one client per protocol and address serves every call to it", async () => {
  const { factory, made, closed } = recordingFactory();
  const clients = new PeerClients(factory);
  expect(await clients.call("grpc", "a:1", nameOf)).toBe("grpc a:1 #1");
  expect(await clients.call("grpc", "a:1", nameOf)).toBe("grpc a:1 #1");
  expect(await clients.call("http", "a:1", nameOf)).toBe("http a:1 #1");
  expect(await clients.call("grpc", "b:1", nameOf)).toBe("grpc b:1 #1");
  expect({ made, closed, size: clients.size }).toEqual({
    made: ["grpc a:1 #1", "http a:1 #1", "grpc b:1 #1"],
    closed: [],
    size: 3,
  });
});

test("a client whose call failed with UNAVAILABLE is replaced, and closed once its calls end", async () => {
  const { factory, made, closed } = recordingFactory();
  const clients = new PeerClients(factory);
  let finishSlow = (): void => undefined;
  const slow = clients.call("grpc", "a:1", async (client) => {
    await new Promise<void>((resolve) => {
      finishSlow = resolve;
    });
    return client.address;
  });
  const failure = new RaftoralError("UNAVAILABLE", "connection refused");
  expect(await failingCall(clients, failure)).toBe(failure);
  // The next call connects anew, while the slow call still runs on the old client.
  expect(await clients.call("grpc", "a:1", nameOf)).toBe("grpc a:1 #2");
  expect(closed).toEqual([]);
  finishSlow();
  expect(await slow).toBe("grpc a:1 #1");
  await Bun.sleep(0);
  expect({ made, closed }).toEqual({
    made: ["grpc a:1 #1", "grpc a:1 #2"],
    closed: ["grpc a:1 #1"],
  });
});

test("a call that timed out replaces the client too: its connection may have gone silent", async () => {
  const { factory, made, closed } = recordingFactory();
  const clients = new PeerClients(factory);
  const timeout = new RaftoralError("TIMEOUT", "no answer within 1000 ms");
  expect(await failingCall(clients, timeout)).toBe(timeout);
  expect(await clients.call("grpc", "a:1", nameOf)).toBe("grpc a:1 #2");
  expect({ made, closed }).toEqual({
    made: ["grpc a:1 #1", "grpc a:1 #2"],
    closed: ["grpc a:1 #1"],
  });
});

test("an answer that is not about the connection keeps the client", async () => {
  const { factory, made } = recordingFactory();
  const clients = new PeerClients(factory);
  const notFound = new RaftoralError("NOT_FOUND", "no workflow w-1");
  expect(await failingCall(clients, notFound)).toBe(notFound);
  expect(await clients.call("grpc", "a:1", nameOf)).toBe("grpc a:1 #1");
  expect(made).toEqual(["grpc a:1 #1"]);
});

test("a client that could not be made is made again at the next call", async () => {
  let attempts = 0;
  const clients = new PeerClients(async (_kind, address) => {
    attempts++;
    if (attempts === 1) throw new Error("cannot load the client code");
    return { address } as unknown as ProtocolClient;
  });
  const error = await clients.call("grpc", "a:1", nameOf).catch((e: Error) => e.message);
  expect(error).toBe("cannot load the client code");
  expect(await clients.call("grpc", "a:1", nameOf)).toBe("a:1");
  expect(attempts).toBe(2);
});

test("past the bound, the least recently used idle client is closed; busy ones stay", async () => {
  const { factory, closed } = recordingFactory();
  const clients = new PeerClients(factory, 2);
  let finishBusy = (): void => undefined;
  const busy = clients.call("grpc", "busy:1", async (client) => {
    await new Promise<void>((resolve) => {
      finishBusy = resolve;
    });
    return client.address;
  });
  await clients.call("grpc", "idle:1", nameOf);
  await clients.call("grpc", "new:1", nameOf);
  await Bun.sleep(0);
  expect({ closed, size: clients.size }).toEqual({ closed: ["grpc idle:1 #1"], size: 2 });
  finishBusy();
  expect(await busy).toBe("grpc busy:1 #1");
});

test("closing closes every client and refuses later calls", async () => {
  const { factory, closed } = recordingFactory();
  const clients = new PeerClients(factory);
  await clients.call("grpc", "a:1", nameOf);
  await clients.call("http", "b:1", nameOf);
  await clients.close();
  expect(closed.sort()).toEqual(["grpc a:1 #1", "http b:1 #1"]);
  const refused = await clients.call("grpc", "a:1", nameOf).catch((error) => error);
  expect(refused).toBeInstanceOf(RaftoralError);
  expect((refused as RaftoralError).code).toBe("SHUTTING_DOWN");
  expect((refused as RaftoralError).message).toContain("the node is stopping");
});

test("a refusal of our proof for the peer's time is learned from, and the call made once more", async () => {
  const { factory } = recordingFactory();
  const peerClocks = new PeerClocks(() => 1_000_000);
  const lines: string[] = [];
  const logger = createLogger({ level: "warn", format: "text", write: (line) => lines.push(line) });
  const clients = new PeerClients(factory, undefined, { peerClocks, logger });
  let attempts = 0;
  const answer = await clients.call("grpc", "a:1", async (client) => {
    attempts++;
    if (attempts === 1) {
      throw new RaftoralError(
        "UNAUTHENTICATED",
        "/raftoral.RaftService/Discover: the cluster secret proof (x-raftoral-peer) is wrong: it is 600 s old; the limit is 300 s either way",
      );
    }
    return client.address;
  });
  expect(answer).toBe("grpc a:1 #1");
  expect(attempts).toBe(2);
  expect(peerClocks.nowFor("a:1")).toBe(1_600_000);
  expect(lines.join("\n")).toContain("its clock is 600 s ahead of this node's");
});

test("any other refusal is neither learned from nor retried", async () => {
  const { factory } = recordingFactory();
  const peerClocks = new PeerClocks(() => 0);
  const logger = createLogger({ level: "warn", format: "text", write: () => undefined });
  const clients = new PeerClients(factory, undefined, { peerClocks, logger });
  const wrongSecret = new RaftoralError(
    "UNAUTHENTICATED",
    "the cluster secret proof (x-raftoral-peer) is wrong: it was made with another cluster secret, or for another call",
  );
  expect(await failingCall(clients, wrongSecret)).toBe(wrongSecret);
  expect(peerClocks.nowFor("a:1")).toBe(0);
});
