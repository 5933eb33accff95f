// --workflows PATH: loads a TS/JS module of workflow definitions at start-up. Bun transpiles
// TypeScript at run time, also inside the compiled binary; the module's own
// `import ... from "raftoral"` resolves to this binary's copy of the package.

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { plugin } from "bun";
import { InvalidArgumentError } from "../lib/index.ts";
import type { WorkflowDefinition } from "../workflow/index.ts";

let registered: Promise<void> | undefined;

async function registerPackage(): Promise<void> {
  // Loaded here, not at the top: the whole package (both clients among it) is needed only by
  // a node given --workflows, and loading code is most of a start (docs/performance.md).
  const raftoral = await import("../index.ts");
  plugin({
    name: "raftoral-package",
    setup(build) {
      build.module("raftoral", () => ({ exports: { ...raftoral }, loader: "object" }));
    },
  });
}

function isDefinition(value: unknown): value is WorkflowDefinition {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.name === "string" &&
    typeof candidate.version === "number" &&
    typeof candidate.run === "function"
  );
}

/**
 * Where in the module a syntax or import error is: Bun's BuildMessage and ResolveMessage carry
 * a position (line and column counted from 1, as editors show them); other errors do not.
 */
function whereIn(error: unknown): string {
  const position = (
    error as { position?: { line?: unknown; column?: unknown; lineText?: unknown } }
  ).position;
  if (typeof position?.line !== "number" || typeof position.column !== "number") return "";
  const text = typeof position.lineText === "string" ? `: ${position.lineText.trim()}` : "";
  return ` (line ${position.line}, column ${position.column}${text})`;
}

/** Every workflow definition the module exports (directly, or in an exported array). */
export async function loadWorkflows(path: string): Promise<WorkflowDefinition[]> {
  registered ??= registerPackage();
  await registered;
  const file = resolve(path);
  if (!existsSync(file)) {
    // Bun's own message would name the binary's internal module as the importer.
    throw new InvalidArgumentError(`--workflows ${path}: there is no file ${file}`);
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(file)) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError(
      `--workflows ${path}: cannot load ${file}: ${(error as Error).message}${whereIn(error)}`,
      { cause: error },
    );
  }
  const found: WorkflowDefinition[] = [];
  for (const value of Object.values(module)) {
    if (isDefinition(value)) found.push(value);
    else if (Array.isArray(value)) found.push(...value.filter(isDefinition));
  }
  if (found.length === 0) {
    throw new InvalidArgumentError(
      `--workflows ${path}: the module exports no workflow; export the results of defineWorkflow(...)`,
    );
  }
  return found;
}
