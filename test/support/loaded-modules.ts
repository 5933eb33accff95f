// Preloaded into a node process (`bun --preload test/support/loaded-modules.ts src/cli/main.ts
// ...`) to record which modules it loaded. At exit it writes to the file named by
// RAFTORAL_LOADED_MODULES_FILE a JSON object:
//   modules: the paths of every module in Bun's module registry (require.cache lists ES
//     modules too, ours and packages', but not the runtime's node: builtins);
//   modulesAtReady: the same, when the node logged "Node N is ready";
//   builtins: the builtins our code loaded when first needed (process.getBuiltinModule, as
//     src/transport/node-crypto.ts does).

import { writeFileSync } from "node:fs";

const file = process.env.RAFTORAL_LOADED_MODULES_FILE;
if (file === undefined) throw new Error("set RAFTORAL_LOADED_MODULES_FILE to the file to write");
record(file);

function record(file: string): void {
  const builtins = new Set<string>();
  let modulesAtReady: string[] | undefined;

  const getBuiltinModule = process.getBuiltinModule.bind(process);
  process.getBuiltinModule = ((id: string) => {
    builtins.add(id);
    return getBuiltinModule(id);
  }) as typeof process.getBuiltinModule;

  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (modulesAtReady === undefined && /Node \d+ is ready/.test(String(chunk))) {
      modulesAtReady = Object.keys(require.cache);
    }
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;

  process.on("exit", () => {
    const modules = Object.keys(require.cache);
    writeFileSync(file, JSON.stringify({ modules, modulesAtReady, builtins: [...builtins] }));
  });
}
