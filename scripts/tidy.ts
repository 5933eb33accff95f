// Checks the rules of STYLE.md that the formatter and linter cannot: which folder may import
// which, banned globals in the deterministic core, no FIXME, and the size ratchet.
// Run: bun scripts/tidy.ts (exits 1 and lists the problems). test/tidy.test.ts runs it too.

import { type Dirent, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Folders under src/ and the folders (plus packages) each may import. */
const ALLOWED_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  lib: [],
  raft: ["lib"],
  management: ["lib", "raft"],
  workflow: ["lib"],
  storage: ["lib", "raft", "bun:sqlite", "node:fs", "node:path", "node:worker_threads"],
  transport: ["lib", "raft", "@msgpack/msgpack", "node:crypto"],
  "transport/memory": ["transport", "lib", "raft"],
  "transport/http": ["transport", "lib", "raft", "console", "hono", "@msgpack/msgpack"],
  console: [],
  "transport/grpc": [
    "transport",
    "lib",
    "raft",
    "protobufjs",
    "protobufjs/ext/descriptor",
    "node:http2",
    // node:net: a cleartext gRPC port that also answers HTTP/1.1 GET /health (plain-http-door.ts).
    "node:net",
    "@msgpack/msgpack",
  ],
  multiraft: ["raft", "storage", "transport", "lib"],
  api: ["workflow", "management", "multiraft", "raft", "transport", "lib"],
  // node:net and node:tls: the HTTP client's health check, which fetch's queue must not hold.
  client: ["lib", "transport", "transport/grpc", "transport/http", "node:net", "node:tls"],
  node: ["*"],
  cli: ["", "node", "lib", "client", "workflow", "cac", "bun", "node:fs", "node:path", "node:os"],
  "": ["*"],
};

/** Folders that must stay deterministic: no clocks, no randomness, no I/O. */
const PURE_FOLDERS = ["raft", "management", "workflow", "lib"];
const BANNED_GLOBALS = [
  "Date",
  "Math.random",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "queueMicrotask",
  "performance",
  "crypto",
  "process",
  "Bun",
];
/** lib/clock.ts is the one place that wraps the real clock for everyone else. */
const PURE_EXCEPTIONS: Readonly<Record<string, readonly string[]>> = {
  "lib/clock.ts": ["performance", "Date", "setTimeout", "setImmediate"],
  "lib/logger.ts": ["Date"],
};

const FILE_LINES_MAX = 500;
const FUNCTION_LINES_MAX = 70;
/** Files and functions that were already over the limits when the ratchet was set. */
const RATCHET_ALLOW: readonly string[] = [];

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export function tidy(root: string): Problem[] {
  const problems: Problem[] = [];
  for (const file of sourceFiles(root)) {
    const text = readFileSync(join(root, file), "utf8");
    const lines = text.split("\n");
    // Tests beside the code may use the test runner, real time and test helpers freely.
    if (!file.endsWith(".test.ts")) {
      checkImports(file, lines, problems);
      checkGlobals(file, lines, problems);
      checkIdCasts(file, lines, problems);
    }
    checkMarkers(file, lines, problems);
    checkSizes(file, lines, problems);
  }
  return problems;
}

function sourceFiles(root: string): string[] {
  const found: string[] = [];
  for (const top of ["src", "test", "bench", "scripts", "examples"]) {
    walk(root, top, found);
  }
  return found.filter((file) => file.endsWith(".ts"));
}

function walk(root: string, dir: string, found: string[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    // A top-level folder that does not exist yet has nothing to check.
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(root, path, found);
    else found.push(path);
  }
}

/** The src/ folder a file belongs to ("raft", "transport/grpc", ...), or undefined. */
function folderOf(file: string): string | undefined {
  if (!file.startsWith("src/")) return undefined;
  const parts = file.slice(4).split("/");
  if (parts.length === 1) return "";
  const first = parts[0] ?? "";
  if (first === "transport" && parts.length > 2) return `transport/${parts[1]}`;
  return first;
}

/** A static import or re-export, a bare `import "x"`, a dynamic `import("x")`, a `require("x")`. */
const IMPORT_PATTERN =
  /^\s*(?:import|export)\b[^"']*?\bfrom\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']|\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/;

export function checkImports(file: string, lines: readonly string[], problems: Problem[]): void {
  const folder = folderOf(file);
  if (folder === undefined) return;
  const allowed = ALLOWED_IMPORTS[folder];
  if (allowed === undefined) {
    problems.push({ file, line: 1, message: `folder src/${folder} has no import rule in tidy.ts` });
    return;
  }
  lines.forEach((line, index) => {
    const match = IMPORT_PATTERN.exec(line);
    const target = match?.[1] ?? match?.[2] ?? match?.[3];
    if (target === undefined) return;
    const problem = importProblem(file, folder, allowed, target);
    if (problem !== undefined) problems.push({ file, line: index + 1, message: problem });
  });
}

function importProblem(
  file: string,
  folder: string,
  allowed: readonly string[],
  target: string,
): string | undefined {
  if (!target.startsWith(".")) {
    if (allowed.includes("*") || allowed.includes(target)) return undefined;
    return `src/${folder} may not import package '${target}'`;
  }
  const resolved = relative(".", join(file, "..", target));
  if (!resolved.startsWith("src/")) {
    // package.json, and .proto files that are embedded into the binary as text.
    const isEmbedded = resolved === "package.json" || /^proto\/.+\.proto$/.test(resolved);
    return isEmbedded ? undefined : `imports outside src/: ${target}`;
  }
  const targetFolder = folderOf(resolved);
  if (targetFolder === undefined || targetFolder === folder) return undefined;
  if (!allowed.includes("*") && !allowed.includes(targetFolder)) {
    return `src/${folder} may not import src/${targetFolder} (${target})`;
  }
  return isEntry(resolved, targetFolder)
    ? undefined
    : `import src/${targetFolder} through its index.ts (or an index-*.ts slice), not ${target}`;
}

/**
 * A folder's public surface is its index.ts, plus optional index-<name>.ts files that re-export
 * a slice of it, so that code can take one part without loading the rest (src/client: a node
 * loads only the protocol client it speaks; docs/performance.md, "Start-up").
 */
function isEntry(resolved: string, folder: string): boolean {
  if (resolved === "src/index.ts") return true;
  const prefix = `src/${folder}/`;
  if (!resolved.startsWith(prefix)) return false;
  return /^index(-[a-z0-9]+)*\.ts$/.test(resolved.slice(prefix.length));
}

function checkGlobals(file: string, lines: readonly string[], problems: Problem[]): void {
  const folder = folderOf(file);
  if (folder === undefined || !PURE_FOLDERS.includes(folder)) return;
  const exceptions = PURE_EXCEPTIONS[file.slice(4)] ?? [];
  const banned = BANNED_GLOBALS.filter((name) => !exceptions.includes(name));
  lines.forEach((line, index) => {
    const code = stripCommentsAndStrings(line);
    for (const name of banned) {
      const pattern = new RegExp(`(?<![\\w.$])${name.replace(".", "\\.")}(?![\\w$])`);
      if (pattern.test(code)) {
        problems.push({
          file,
          line: index + 1,
          message: `src/${folder} is deterministic: '${name}' is not allowed here; inject it`,
        });
      }
    }
    if (/from\s+["'](node|bun):/.test(line) || /from\s+["']bun["']/.test(line)) {
      problems.push({ file, line: index + 1, message: `src/${folder} may not import the runtime` });
    }
  });
}

/** Branded ids are minted by lib/ids.ts's constructors, which check the number; never cast. */
export function checkIdCasts(file: string, lines: readonly string[], problems: Problem[]): void {
  if (!file.startsWith("src/") || file === "src/lib/ids.ts") return;
  lines.forEach((line, index) => {
    const cast = /\bas (NodeId|GroupId|LogIndex|Term)\b/.exec(stripCommentsAndStrings(line));
    if (cast === null) return;
    const mint = {
      NodeId: "nodeId",
      GroupId: "groupId",
      LogIndex: "logIndex",
      Term: "term",
    }[cast[1] as "NodeId"];
    problems.push({
      file,
      line: index + 1,
      message: `'as ${cast[1]}' mints an id unchecked; call ${mint}(...) from lib/ids.ts`,
    });
  });
}

function stripCommentsAndStrings(line: string): string {
  return line
    .replace(/\/\/.*$/, "")
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
}

function checkMarkers(file: string, lines: readonly string[], problems: Problem[]): void {
  if (file === "scripts/tidy.ts") return;
  lines.forEach((line, index) => {
    if (line.includes("FIXME")) {
      problems.push({ file, line: index + 1, message: "FIXME must not reach main" });
    }
    const todo = /TODO(?!\(#\d+\))/.exec(line);
    if (todo !== null) {
      problems.push({ file, line: index + 1, message: "write TODO(#issue), naming the issue" });
    }
  });
}

const FUNCTION_START =
  /^(\s*)(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?\s+(\w+)|(?:(?:private|protected|public|static|override|readonly|async|get|set)\s+)*(\w+)\s*(?:<[^>]*>)?\()/;
// `describe` only groups tests; its length says nothing about a function.
const NOT_A_FUNCTION = new Set([
  "if",
  "for",
  "while",
  "switch",
  "catch",
  "return",
  "constructor",
  "describe",
]);

/** `line` opens a parameter list whose closing `)` at the same indent ends with `{`. */
function isWrappedSignature(lines: readonly string[], start: number, indent: string): boolean {
  if (!(lines[start] ?? "").trimEnd().endsWith("(")) return false;
  for (let next = start + 1; next < lines.length; next++) {
    const candidate = lines[next] ?? "";
    if (!candidate.startsWith(indent) || candidate.length === indent.length) return false;
    if (candidate[indent.length] !== " ") return /^\)[^;]*\{$/.test(candidate.trim());
  }
  return false;
}

export function checkSizes(file: string, lines: readonly string[], problems: Problem[]): void {
  const count = lines.length - (lines.at(-1) === "" ? 1 : 0);
  if (count > FILE_LINES_MAX && !RATCHET_ALLOW.includes(file)) {
    problems.push({ file, line: 1, message: `${count} lines; split files past ${FILE_LINES_MAX}` });
  }
  for (let start = 0; start < lines.length; start++) {
    const line = lines[start] ?? "";
    const match = FUNCTION_START.exec(line);
    const name = match?.[2] ?? match?.[3];
    if (match === null || name === undefined || NOT_A_FUNCTION.has(name)) continue;
    const indent = match[1] ?? "";
    // A declaration line ends with "{", or opens a parameter list wrapped over several lines
    // that closes back at its indent (`): Type {`); a call chain such as `expect(x).toEqual({`
    // is not one.
    if (line.includes(").")) continue;
    if (!line.trimEnd().endsWith("{") && !isWrappedSignature(lines, start, indent)) continue;
    // The body closes at the first line back at the same indent: `}`, `});` or `};`.
    const end = lines.findIndex(
      (candidate, index) => index > start && candidate.startsWith(`${indent}}`),
    );
    if (end < 0) continue;
    const length = end - start + 1;
    const key = `${file}#${name}`;
    if (length > FUNCTION_LINES_MAX && !RATCHET_ALLOW.includes(key)) {
      problems.push({
        file,
        line: start + 1,
        message: `function ${name} has ${length} lines; keep functions under ${FUNCTION_LINES_MAX}`,
      });
    }
  }
}

if (import.meta.main) {
  const problems = tidy(process.cwd());
  for (const problem of problems) {
    console.error(`${problem.file}:${problem.line}: ${problem.message}`);
  }
  if (problems.length > 0) {
    console.error(`tidy: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.error("tidy: ok");
}
