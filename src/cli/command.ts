// The raftoral command line, run once main.ts has decided how the process runs. The first word
// decides: `workflow`, `cluster` and `node` are client subcommands that call a running cluster;
// anything else is the server command line (`raftoral --listen ...`), unchanged.
//
// Start-up time is mostly loading code (docs/performance.md, "Start-up"), so this file loads
// little: each side is imported only once chosen.

import { writeSync } from "node:fs";
import packageJson from "../../package.json" with { type: "json" };
import { createLogger, type LogFormat, logSettingsFromEnv } from "../lib/index.ts";
import { CLIENT_GROUPS } from "./client-groups.ts";
import { EXIT_FAILED, EXIT_USAGE } from "./exit-codes.ts";
import { loadNodeSecurity } from "./load-security.ts";
import { bufferedLogOutput } from "./log-output.ts";
import { SecurityFileError } from "./security-files.ts";
import { parseServerArgs } from "./server-args.ts";
import { SERVER_HELP } from "./server-help.ts";

/** What happened before this file was loaded (main.ts). */
export interface EntryOutcome {
  /** Why the node could not relaunch itself with the JIT's top tier off (jit-tiers.ts). */
  readonly relaunchFailure?: string | undefined;
}

/** Runs the command line `argv` (without the executable and script); resolves with the exit code. */
export async function runCommand(argv: readonly string[], entry: EntryOutcome): Promise<number> {
  if (CLIENT_GROUPS.has(argv[0] ?? "")) {
    const { runClientCommand } = await import("./client-commands.ts");
    return runClientCommand(
      argv,
      {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        isTerminal: process.stderr.isTTY === true,
      },
      process.env,
    );
  }
  const parsed = parseServerArgs(argv);
  const settings = logSettingsFromEnv(process.env);
  switch (parsed.kind) {
    case "help":
      process.stdout.write(SERVER_HELP);
      return 0;
    case "version":
      process.stdout.write(`raftoral ${packageJson.version}\n`);
      return 0;
    case "error":
      return refuseToStart(parsed.message, settings.format);
    case "run": {
      let security: ReturnType<typeof loadNodeSecurity>;
      try {
        security = loadNodeSecurity(parsed.args.security, process.env);
      } catch (error) {
        if (!(error instanceof SecurityFileError)) throw error;
        return refuseToStart(error.message, settings.format);
      }
      // Once stderr fails (its reader gone: the end of a pipe, a restarted log collector), the
      // lines have nowhere to go and are dropped: the node itself must keep serving, where the
      // stream's unhandled error would end the process with status 1 and no word.
      let isStderrOpen = true;
      process.stderr.on("error", () => {
        isStderrOpen = false;
      });
      const output = bufferedLogOutput((text) => {
        if (isStderrOpen) process.stderr.write(text);
      }, queueMicrotask);
      // At exit the stream's own writes may not finish (a pipe takes 64 KiB at a time).
      process.on("exit", () => output.flush(writeToClosingStderr));
      const logger = createLogger({
        level: settings.level,
        format: settings.format,
        timestamps: true,
        write: output.write,
      });
      for (const warning of settings.warnings) logger.warn(warning);
      if (entry.relaunchFailure !== undefined) {
        logger.warn("Could not relaunch with the JIT's top tier off; running as started", {
          error: entry.relaunchFailure,
        });
      }
      const { runServer } = await import("./run-server.ts");
      return runServer(parsed.args, security, logger);
    }
  }
}

/**
 * A node that will not start says why on stderr: `error: ...` for a person at a terminal, or
 * a log line when the logs are JSON, so that a log shipper reads that line too.
 */
function refuseToStart(message: string, format: LogFormat): number {
  if (format === "json") {
    const write = (line: string) => process.stderr.write(`${line}\n`);
    createLogger({ level: "error", format, timestamps: true, write }).error(message);
  } else {
    process.stderr.write(`error: ${message}\n`);
  }
  return EXIT_USAGE;
}

/** Runs the command line and exits with its code; anything it throws is a failure. */
export function runMain(argv: readonly string[], entry: EntryOutcome): void {
  runCommand(argv, entry).then(
    (code) => exitAfterStdout(code),
    (error: unknown) => {
      process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
      exitAfterStdout(EXIT_FAILED);
    },
  );
}

/**
 * Exits once everything written to stdout has left. A pipe takes 64 KiB at a time, and
 * process.exit() drops what is still queued: a `--json` result piped into a slower reader was
 * cut there, and the exit code still said it had all gone. Ending the stream waits for it; a
 * reader that went away (EPIPE) ends it too.
 */
function exitAfterStdout(code: number): void {
  process.stdout.once("error", () => process.exit(code));
  process.stdout.end(() => process.exit(code));
}

function writeToClosingStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // Handled: stderr is closed, and with the process ending there is nowhere else to write.
  }
}
