// The transport contract against GrpcTransportServer and GrpcPeerTransport over loopback.

import { silentTcpPeer, unusedAddress } from "../../../test/contracts/network-peers.ts";
import { runPeerStreamContract } from "../../../test/contracts/peer-stream.contract.ts";
import {
  runTransportContract,
  type TransportUnderTest,
} from "../../../test/contracts/transport.contract.ts";
import { createLogger } from "../../lib/index.ts";
import { GrpcPeerTransport } from "./grpc-peer-transport.ts";
import { GrpcTransportServer } from "./grpc-transport-server.ts";

const logger = createLogger({ level: "warn", format: "text", write: () => undefined });

const subject = async (): Promise<TransportUnderTest> => ({
  startServer: async (api) => {
    const server = new GrpcTransportServer({ logger, closeGraceMs: 50 });
    const { port } = await server.listen("127.0.0.1", 0, api);
    return { server, address: `127.0.0.1:${port}` };
  },
  newPeer: (keepalive) => new GrpcPeerTransport(keepalive === undefined ? {} : { keepalive }),
  unreachableAddress: unusedAddress,
  silentPeer: silentTcpPeer,
  dispose: async () => undefined,
});

runTransportContract("grpc", subject);
runPeerStreamContract("grpc", subject);
