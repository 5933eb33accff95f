// Public surface of src/transport/memory: the in-process network for tests and simulation.

export { MemoryNetwork, type MemoryNetworkFaults } from "./memory-network.ts";
