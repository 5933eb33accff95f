#!/usr/bin/env bun
// Entry point of the raftoral binary. A node (any command line but a client subcommand's)
// first relaunches itself with JavaScriptCore's top JIT tier off (jit-tiers.ts), so this file
// loads nothing else before deciding: what a process loads before it replaces itself is start-up
// time spent twice. The rest of the command line is a second entrypoint of the compiled binary
// (the Makefile's COMPILE_ENTRYPOINTS), not part of this file's bundle: a process that
// relaunches never reads its code (docs/performance.md, "The JIT's top tier").

import { relaunchWithoutFtl, replaceProcess } from "./jit-tiers.ts";

const relaunch = relaunchWithoutFtl({
  argv: process.argv,
  execArgv: process.execArgv,
  execPath: process.execPath,
  env: process.env,
  isStandaloneExecutable: Bun.isStandaloneExecutable,
});
// Windows has no execve: there the node runs as it was started, and says nothing of it.
const relaunchFailure =
  relaunch === undefined || process.platform === "win32"
    ? undefined
    : replaceProcess(relaunch, process.execve?.bind(process));

// A specifier the bundler cannot follow keeps command.ts out of this bundle; from source and
// in the compiled binary alike it resolves next to this file.
const COMMAND_MODULE = "./command.ts";
void (import(COMMAND_MODULE) as Promise<typeof import("./command.ts")>).then(({ runMain }) =>
  runMain(process.argv.slice(2), { relaunchFailure }),
);
