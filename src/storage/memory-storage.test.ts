import { runLogStorageContract } from "../../test/contracts/log-storage.contract.ts";
import { MemoryLogStorage, MemoryLogStore } from "./memory-storage.ts";

// A store outlives the storage objects opened on it: closing and opening again is a restart.
runLogStorageContract("memory", async () => {
  const store = new MemoryLogStore();
  return {
    open: async () => new MemoryLogStorage(store),
    destroy: async () => {
      // Nothing outside the process to remove: the store is garbage once unreferenced.
    },
  };
});
