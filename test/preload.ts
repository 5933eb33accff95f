// Loaded before every `bun test` run (bunfig.toml): a global afterAll, which bun runs once
// after the last test file, for cleanups shared by all files.

import { afterAll } from "bun:test";
import { runTestProcessCleanups } from "./support/process-cleanup.ts";

afterAll(runTestProcessCleanups);
