#!/usr/bin/env bun
// Entry point of the raftoral binary. A node (any command line but a client subcommand's)
// first relaunches itself with JavaScriptCore's top JIT tier off (jit-tiers.ts), so this file
// loads nothing else before deciding: what a process loads before it replaces itself is start-up
// time spent twice.

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

void import("./command.ts").then(({ runMain }) =>
  runMain(process.argv.slice(2), { relaunchFailure }),
);
