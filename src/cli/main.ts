#!/usr/bin/env bun
// Entry point of the raftoral binary. A node (any command line but a client subcommand's)
// first relaunches itself with JavaScriptCore's top JIT tier off (jit-tiers.ts), so this file
// loads nothing else before deciding: what a process loads before it replaces itself is start-up
// time spent twice.

import { relaunchWithoutFtl } from "./jit-tiers.ts";

const relaunch = relaunchWithoutFtl({
  argv: process.argv,
  execArgv: process.execArgv,
  execPath: process.execPath,
  env: process.env,
  isStandaloneExecutable: Bun.isStandaloneExecutable,
});
// execve does not return; where there is none (Windows), the node runs as it was started.
if (relaunch !== undefined && process.execve !== undefined && process.platform !== "win32") {
  process.execve(relaunch.file, relaunch.args, relaunch.env);
}

void import("./command.ts").then(({ runMain }) => runMain(process.argv.slice(2)));
