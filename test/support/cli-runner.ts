// Runs a client subcommand (`raftoral workflow ...`, `raftoral cluster ...`) in this process,
// as the binary would, and captures its exit code and output.

import { runClientCommand } from "../../src/cli/client-commands.ts";

export interface CliOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(argv: string[]): Promise<CliOutcome> {
  let stdout = "";
  let stderr = "";
  const output = {
    stdout: (text: string) => {
      stdout += text;
    },
    stderr: (text: string) => {
      stderr += text;
    },
  };
  const code = await runClientCommand(argv, output, {});
  return { code, stdout, stderr };
}
