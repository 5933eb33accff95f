// JavaScriptCore compiles hot code in tiers: an interpreter, a baseline JIT, the optimizing DFG
// and, for the hottest code, the FTL. On a node's work the FTL costs more than it gives: its
// compiler thread took a quarter of the nodes' CPU for the first ~14,000 workflows, and code
// left at the DFG ran the workflows with 10-15% less CPU even after that (docs/performance.md,
// "The JIT's top tier"). JavaScriptCore reads its options from the environment when the
// process starts, so a node started without the option replaces itself with a copy of itself
// that has it: `execve`, so the process keeps its PID, its standard streams and its parent.

import { CLIENT_GROUPS } from "./client-groups.ts";

/** The option's variable; an operator who sets it (to 1 to keep the FTL) decides instead. */
export const FTL_OPTION = "BUN_JSC_useFTLJIT";

/** What a relaunch runs: this executable with the same runtime flags, script and arguments. */
export interface Relaunch {
  readonly file: string;
  readonly args: string[];
  readonly env: Record<string, string | undefined>;
}

/**
 * The relaunch that turns the FTL off, or undefined for a client subcommand (it ends before
 * the FTL would matter) and where the environment already says what to do about it.
 * `current.argv` is `process.argv`: a standalone executable has its built-in script's path
 * at [1], which the executable supplies again by itself, and Bun run from source has the
 * script's path there, which must be passed on.
 */
export function relaunchWithoutFtl(current: {
  readonly argv: readonly string[];
  readonly execArgv: readonly string[];
  readonly execPath: string;
  readonly env: Record<string, string | undefined>;
  readonly isStandaloneExecutable: boolean;
}): Relaunch | undefined {
  if (CLIENT_GROUPS.has(current.argv[2] ?? "") || current.env[FTL_OPTION] !== undefined) {
    return undefined;
  }
  const script = current.isStandaloneExecutable ? [] : current.argv.slice(1, 2);
  return {
    file: current.execPath,
    args: [current.execPath, ...current.execArgv, ...script, ...current.argv.slice(2)],
    env: { ...current.env, [FTL_OPTION]: "0" },
  };
}

/** The part of `process` that replaces it: `execve`, absent where the platform has none. */
export type Execve = (
  file: string,
  args: string[],
  env: Record<string, string | undefined>,
) => void;

/**
 * Replaces the process with `relaunch`, which does not return; returns why it could not (the
 * executable gone or not executable) or that the platform has no execve. Either way the
 * caller runs on as started.
 */
export function replaceProcess(relaunch: Relaunch, execve: Execve | undefined): string {
  if (execve === undefined) return "this platform cannot replace a process";
  try {
    execve(relaunch.file, relaunch.args, relaunch.env);
  } catch (error) {
    return `${relaunch.file}: ${(error as Error).message}`;
  }
  return "execve returned";
}
