#!/usr/bin/env bun
// Entry point of the raftoral binary: parses the command line and starts the node.

import packageJson from "../../package.json" with { type: "json" };
import { createLogger, logSettingsFromEnv } from "../lib/index.ts";
import { parseServerArgs } from "./server-args.ts";
import { SERVER_HELP } from "./server-help.ts";

const EXIT_USAGE = 2;

function main(argv: readonly string[]): number {
  const parsed = parseServerArgs(argv);
  switch (parsed.kind) {
    case "help":
      process.stdout.write(SERVER_HELP);
      return 0;
    case "version":
      process.stdout.write(`raftoral ${packageJson.version}\n`);
      return 0;
    case "error":
      process.stderr.write(`error: ${parsed.message}\n`);
      return EXIT_USAGE;
    case "run": {
      const settings = logSettingsFromEnv(process.env);
      const logger = createLogger({
        level: settings.level,
        format: settings.format,
        write: (line) => process.stderr.write(`${line}\n`),
      });
      for (const warning of settings.warnings) logger.warn(warning);
      logger.error("The node is not implemented yet", { listen: parsed.args.listen.text });
      return 1;
    }
  }
}

process.exitCode = main(process.argv.slice(2));
