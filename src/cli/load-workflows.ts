// --workflows PATH: loads a TS/JS module of workflow definitions at start-up. Bun transpiles
// TypeScript at run time, also inside the compiled binary; the module's own
// `import ... from "raftoral"` (or "raftoral/client") resolves to this binary's copy of the
// package.

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { plugin } from "bun";
import { InvalidArgumentError } from "../lib/index.ts";
import { BUILTIN_WORKFLOWS, type WorkflowDefinition } from "../workflow/index.ts";

let registered: Promise<void> | undefined;

async function registerPackage(): Promise<void> {
  // Loaded here, not at the top: the whole package (both clients among it) is needed only by
  // a node given --workflows, and loading code is most of a start (docs/performance.md).
  const [raftoral, client] = await Promise.all([
    import("../index.ts"),
    import("../client/index.ts"),
  ]);
  plugin({
    name: "raftoral-package",
    setup(build) {
      build.module("raftoral", () => ({ exports: { ...raftoral }, loader: "object" }));
      build.module("raftoral/client", () => ({ exports: { ...client }, loader: "object" }));
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

/** How long a module's top-level code may take before the node gives up starting. */
export const LOAD_TIMEOUT_MS = 30_000;

/**
 * Every workflow definition the module exports (directly, or in an exported array). A module
 * whose top-level code has not finished after `loadTimeoutMs` is refused: an await that never
 * settles would otherwise leave the process nothing to wait for, and it would exit with status
 * 0 and no word, which no supervisor takes for a failure.
 */
export async function loadWorkflows(
  path: string,
  loadTimeoutMs = LOAD_TIMEOUT_MS,
): Promise<WorkflowDefinition[]> {
  registered ??= registerPackage();
  await registered;
  const file = resolve(path);
  if (!existsSync(file)) {
    // Bun's own message would name the binary's internal module as the importer.
    throw new InvalidArgumentError(`--workflows ${path}: there is no file ${file}`);
  }
  let module: Record<string, unknown>;
  const seconds = loadTimeoutMs / 1000;
  const tooLate = new InvalidArgumentError(
    `--workflows ${path}: its top-level code has not finished after ${seconds} s (an await that never settles?); load slow resources in the workflows or their steps instead`,
  );
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(tooLate), loadTimeoutMs);
  });
  try {
    module = (await Promise.race([import(file), late])) as Record<string, unknown>;
  } catch (error) {
    if (error === tooLate) throw error;
    throw new InvalidArgumentError(
      `--workflows ${path}: cannot load ${file}: ${(error as Error).message}${whereIn(error)}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
  // A definition exported twice (by name and in an array, or as the default too) counts once.
  const found = new Set<WorkflowDefinition>();
  for (const value of Object.values(module)) {
    if (isDefinition(value)) found.add(value);
    else if (Array.isArray(value)) for (const item of value.filter(isDefinition)) found.add(item);
  }
  if (found.size === 0) {
    throw new InvalidArgumentError(
      `--workflows ${path}: the module exports no workflow; export the results of defineWorkflow(...)`,
    );
  }
  checkOneEach(path, [...found]);
  return [...found];
}

/** Refuses two definitions of one name and version, the built-in ones included. */
function checkOneEach(path: string, definitions: readonly WorkflowDefinition[]): void {
  const seen = new Map<string, string>(
    BUILTIN_WORKFLOWS.map((builtin) => [`${builtin.name} v${builtin.version}`, "built in"]),
  );
  for (const definition of definitions) {
    const key = `${definition.name} v${definition.version}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw new InvalidArgumentError(
        `--workflows ${path}: workflow ${key} is ${other === "built in" ? "built in" : "exported twice, by two different definitions"}; give yours another name or version`,
      );
    }
    seen.set(key, "exported");
  }
}
