// One NodeApi served over both protocols on free ports, with a client of ours for each: for
// tests of what a call and its answer become on the wire. start() in beforeAll, stop() after.

import { GrpcProtocolClient } from "../../src/client/grpc-client.ts";
import { HttpProtocolClient } from "../../src/client/http-client.ts";
import type { OperatorProtocolClient } from "../../src/client/protocol-client.ts";
import { createLogger } from "../../src/lib/index.ts";
import { GrpcTransportServer } from "../../src/transport/grpc/index.ts";
import { HttpTransportServer } from "../../src/transport/http/index.ts";
import type { NodeApi } from "../../src/transport/index.ts";

export type Protocol = "grpc" | "http";

export function servedOverBothProtocols(api: NodeApi) {
  const logger = createLogger({ level: "error", format: "text", write: () => undefined });
  const grpcServer = new GrpcTransportServer({ logger, closeGraceMs: 50 });
  const httpServer = new HttpTransportServer({ logger });
  const clients = new Map<Protocol, OperatorProtocolClient>();
  return {
    /** The client of `protocol`; only between start() and stop(). */
    client(protocol: Protocol): OperatorProtocolClient {
      const client = clients.get(protocol);
      if (client === undefined) throw new Error("the servers are not started");
      return client;
    },
    async start(): Promise<void> {
      const grpc = await grpcServer.listen("127.0.0.1", 0, api);
      const http = await httpServer.listen("127.0.0.1", 0, api);
      clients.set("grpc", new GrpcProtocolClient(`127.0.0.1:${grpc.port}`));
      clients.set("http", new HttpProtocolClient(`127.0.0.1:${http.port}`));
    },
    async stop(): Promise<void> {
      for (const client of clients.values()) await client.close();
      clients.clear();
      await grpcServer.close();
      await httpServer.close();
    },
  };
}
