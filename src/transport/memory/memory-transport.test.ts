// The transport contract against the in-process MemoryNetwork (real clock, no faults).

import { runTransportContract } from "../../../test/contracts/transport.contract.ts";
import { RealClock, seededRandom } from "../../lib/index.ts";
import { MemoryNetwork } from "./memory-network.ts";

runTransportContract(
  "memory",
  async () => {
    const network = new MemoryNetwork(new RealClock(), seededRandom(7));
    // MemoryNetwork takes the port it is given; the contract asks for port 0, so each server
    // gets its own made-up port here.
    let nextPort = 40_000;
    let senders = 0;
    return {
      startServer: async (api) => {
        const server = network.server();
        const port = nextPort++;
        await server.listen("127.0.0.1", port, api);
        return { server, address: `127.0.0.1:${port}` };
      },
      newPeer: () => network.transport(`127.0.0.1:${30_000 + senders++}`),
      unreachableAddress: async () => `127.0.0.1:${nextPort++}`,
      dispose: async () => undefined,
    };
  },
  { skipSilentPeer: "MemoryNetwork delivers or refuses at once; no listener can stay silent" },
);
