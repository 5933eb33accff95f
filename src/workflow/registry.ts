// The workflows a node can run: (name, version) pairs side by side. Only the owner of an
// execution needs its pair (apply never looks here, so replicas with other sets agree); the
// fingerprint names a set, so that the cluster can record which set each node runs and refuse
// a new node whose set no member runs. Pure: no I/O.

import { RaftoralError } from "../lib/index.ts";
import type { WorkflowContext } from "./context.ts";
import type { WorkflowDefinition, WorkflowOutput } from "./definition.ts";
import { validateWorkflowName, validateWorkflowVersion } from "./definition.ts";
import { UnknownWorkflowError } from "./errors.ts";
import type { JsonLike, JsonValue } from "./json.ts";

/** A registered workflow, with its input type erased (inputs come from the log as JSON). */
export interface RegisteredWorkflow {
  readonly name: string;
  readonly version: number;
  readonly run: (
    input: JsonValue,
    ctx: WorkflowContext,
  ) => Promise<WorkflowOutput> | WorkflowOutput;
}

/** A (name, version) pair. */
export interface WorkflowKey {
  readonly name: string;
  readonly version: number;
}

/** Most workflows one registry holds. */
export const REGISTERED_WORKFLOWS_MAX = 10_000;

export class WorkflowRegistry {
  private readonly byKey = new Map<string, RegisteredWorkflow>();

  constructor(definitions: Iterable<WorkflowDefinition<never, WorkflowOutput>> = []) {
    for (const definition of definitions) this.register(definition);
  }

  /** Adds a definition; ALREADY_EXISTS if its (name, version) is taken. */
  register<I extends JsonLike, O extends WorkflowOutput>(
    definition: WorkflowDefinition<I, O>,
  ): void {
    validateWorkflowName(definition.name);
    validateWorkflowVersion(definition.version);
    const key = keyOf(definition.name, definition.version);
    if (this.byKey.has(key)) {
      throw new RaftoralError(
        "ALREADY_EXISTS",
        `workflow ${definition.name} v${definition.version} is registered twice; give the new code a new version`,
      );
    }
    if (this.byKey.size >= REGISTERED_WORKFLOWS_MAX) {
      throw new RaftoralError(
        "RESOURCE_EXHAUSTED",
        `a node holds at most ${REGISTERED_WORKFLOWS_MAX} workflow versions`,
      );
    }
    this.byKey.set(key, {
      name: definition.name,
      version: definition.version,
      // The input's type is the definition's promise to its author; the log holds plain JSON.
      run: (input, ctx) => definition.run(input as I, ctx),
    });
  }

  has(name: string, version: number): boolean {
    return this.byKey.has(keyOf(name, version));
  }

  get(name: string, version: number): RegisteredWorkflow | undefined {
    return this.byKey.get(keyOf(name, version));
  }

  /** The workflow, or UnknownWorkflowError (NOT_FOUND) listing what is registered. */
  require(name: string, version: number): RegisteredWorkflow {
    // A version that cannot exist is the caller's mistake (over gRPC, often a version left
    // unset, which reads as 0), not an unknown workflow.
    validateWorkflowVersion(version);
    const found = this.get(name, version);
    if (found === undefined) {
      throw new UnknownWorkflowError(
        name,
        version,
        this.keys().map((key) => `${key.name} v${key.version}`),
      );
    }
    return found;
  }

  /** Every (name, version), sorted by name then version. */
  keys(): WorkflowKey[] {
    return [...this.byKey.values()]
      .map(({ name, version }) => ({ name, version }))
      .sort((a, b) => (a.name === b.name ? a.version - b.version : a.name < b.name ? -1 : 1));
  }

  /**
   * A short stable text naming the set of (name, version) pairs: equal sets give equal
   * fingerprints on every node and every run; the code itself is not part of it.
   * Format: `wf1:<count>:<16 hex digits of FNV-1a 64 over "name@version\n" lines>`.
   */
  fingerprint(): string {
    const keys = this.keys();
    const text = keys.map((key) => `${key.name}@${key.version}\n`).join("");
    return `wf1:${keys.length}:${fnv1a64(text)}`;
  }
}

function keyOf(name: string, version: number): string {
  return `${name}@${version}`;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

function fnv1a64(text: string): string {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  }
  return hash.toString(16).padStart(16, "0");
}
