// Preloaded into a node process (`bun --preload test/support/loaded-modules.ts src/cli/main.ts
// ...`) to record which modules it loaded: at exit it writes the paths of every module in
// Bun's module registry (require.cache lists ES modules too, ours and packages', not the
// runtime's node: builtins) as a JSON array to the file named by RAFTORAL_LOADED_MODULES_FILE.

import { writeFileSync } from "node:fs";

const file = process.env.RAFTORAL_LOADED_MODULES_FILE;
if (file === undefined) throw new Error("set RAFTORAL_LOADED_MODULES_FILE to the file to write");
process.on("exit", () => {
  writeFileSync(file, JSON.stringify(Object.keys(require.cache)));
});
