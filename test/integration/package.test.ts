// Raftoral as a dependency of someone else's project, outside this repository: the tarball
// `npm pack` makes, and a git URL of this repository (its committed HEAD), are installed
// into new Bun projects, which embed a node with their own workflow (SQLite storage, so the
// storage Worker must load from node_modules) and run it through the client; and the tarball
// into a new Node project, whose `raftoral/client` runs ping_pong against a node of this test
// and type-checks with the tarball's declarations.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { ROOT } from "../support/compiled-binary.ts";
import { freePort } from "../support/ports.ts";

const scratch = mkdtempSync(join(tmpdir(), "raftoral-package-"));
const hasNodeAndNpm = Bun.which("node") !== null && Bun.which("npm") !== null;
// npm runs the prepack script (`bun build`) with this Bun first on the PATH, as `bun` (the
// binary npm installed may be named otherwise, e.g. bun.exe).
const binDirectory = join(scratch, "bin");
mkdirSync(binDirectory);
symlinkSync(process.execPath, join(binDirectory, "bun"));
const env = { ...process.env, PATH: `${binDirectory}:${process.env.PATH ?? ""}` };
let tarball = "";

function run(command: string[], cwd: string): string {
  const result = Bun.spawnSync(command, { cwd, env, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(`${command.join(" ")} failed (${result.exitCode}): ${result.stderr}`);
  }
  return result.stdout.toString();
}

function project(name: string, files: Record<string, string>): string {
  const directory = join(scratch, name);
  mkdirSync(directory);
  writeFileSync(
    join(directory, "package.json"),
    JSON.stringify({ name, type: "module", private: true }),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(directory, file), text);
  return directory;
}

beforeAll(() => {
  run(["npm", "pack", "--silent", "--pack-destination", scratch], ROOT);
  const [file] = readdirSync(scratch).filter((name) => name.endsWith(".tgz"));
  if (file === undefined) throw new Error("npm pack made no tarball");
  tarball = join(scratch, file);
}, 120_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const BUN_APP = `
import { createLogger, defineWorkflow, RaftoralClient, RaftoralNode } from "raftoral";
const greet = defineWorkflow("greet", 1, async (name: string, ctx) =>
  ctx.step("compose", () => \`Hello, \${name}!\`));
const [address = "", storagePath = ""] = process.argv.slice(2);
const node = new RaftoralNode({
  listen: address, bootstrap: true, transport: "http", storagePath, workflows: [greet],
  logger: createLogger({ level: "error", format: "text", write: console.error }),
});
await node.start();
const client = new RaftoralClient("http://" + address);
console.log(JSON.stringify(await client.run("greet", "Ada")));
await client.close();
await node.stop();
`;

test.skipIf(!hasNodeAndNpm)(
  "a Bun project embeds a node with its own workflow from the packed tarball",
  async () => {
    const app = project("bun-app", { "app.ts": BUN_APP });
    run([process.execPath, "add", tarball], app);
    const storage = join(scratch, "bun-app-data");
    const output = run([process.execPath, "app.ts", `127.0.0.1:${await freePort()}`, storage], app);
    expect(JSON.parse(output)).toMatchObject({ status: "completed", output: "Hello, Ada!" });
    expect(readdirSync(storage)).toEqual(["node_1"]);
  },
  180_000,
);

// The compiler options of `bun init`'s tsconfig.json; the types of Bun come from this repository.
const BUN_INIT_TSCONFIG = {
  compilerOptions: {
    lib: ["ESNext"],
    target: "ESNext",
    module: "Preserve",
    moduleDetection: "force",
    types: ["bun"],
    typeRoots: [join(ROOT, "node_modules", "@types")],
    moduleResolution: "bundler",
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    noUncheckedIndexedAccess: true,
  },
};

test.skipIf(!hasNodeAndNpm)(
  "a Bun project that installed the tarball type-checks with Raftoral's sources",
  () => {
    const app = project("typed-app", {
      "app.ts": BUN_APP,
      "tsconfig.json": JSON.stringify(BUN_INIT_TSCONFIG),
    });
    run([process.execPath, "add", tarball], app);
    const tsc = Bun.spawnSync([join(ROOT, "node_modules", ".bin", "tsc"), "-p", "."], {
      cwd: app,
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe("");
    expect(tsc.exitCode).toBe(0);
  },
  180_000,
);

test("a Bun project installs Raftoral straight from git and runs its node", async () => {
  const app = project("git-app", { "app.ts": BUN_APP });
  run([process.execPath, "add", `git+file://${ROOT}`], app);
  const storage = join(scratch, "git-app-data");
  const output = run([process.execPath, "app.ts", `127.0.0.1:${await freePort()}`, storage], app);
  expect(JSON.parse(output)).toMatchObject({ status: "completed", output: "Hello, Ada!" });
}, 180_000);

test.skipIf(!hasNodeAndNpm)(
  "a Node project runs raftoral/client against a node",
  async () => {
    const app = project("node-app", {
      "app.mjs": `
import { RaftoralClient } from "raftoral/client";
const client = new RaftoralClient(process.argv[2]);
console.log(JSON.stringify(await client.run("ping_pong", "ping")));
await client.close();
`,
    });
    run(["npm", "install", "--no-audit", "--no-fund", tarball], app);
    const address = `127.0.0.1:${await freePort()}`;
    const node = new RaftoralNode({
      listen: address,
      bootstrap: true,
      logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    });
    await node.start();
    try {
      const child = Bun.spawn(["node", "app.mjs", `grpc://${address}`], {
        cwd: app,
        env,
        stdout: "pipe",
        stderr: "pipe",
      });
      const [output, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
      expect(code).toBe(0);
      expect(JSON.parse(output)).toMatchObject({ status: "completed", output: "pong" });
    } finally {
      await node.stop();
    }
  },
  180_000,
);

// What `tsc --init` writes, less what does not bear on resolving a package's types.
const NODE_TSCONFIG = {
  compilerOptions: {
    module: "nodenext",
    target: "esnext",
    types: [],
    strict: true,
    noEmit: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: true,
  },
};

const NODE_TYPED_APP = `
import { RaftoralClient, workflowType } from "raftoral/client";
const ping = workflowType<string, string>("ping_pong", 1);
const client = new RaftoralClient("grpc://127.0.0.1:7001");
const result = await client.run(ping, "ping");
export const text: string = result.status === "completed" ? result.output : result.error;
`;

test.skipIf(!hasNodeAndNpm)(
  "a Node TypeScript project type-checks raftoral/client from the tarball's declarations",
  () => {
    const app = project("node-typed-app", {
      "app.ts": NODE_TYPED_APP,
      "wrong.ts": `${NODE_TYPED_APP.replace("export const text", "const unused")}
export const status: number = result.status;\n`,
    });
    run(["npm", "install", "--no-audit", "--no-fund", tarball], app);
    const tsc = (file: string) => {
      const args = [join(ROOT, "node_modules", ".bin", "tsc"), "-p", "."];
      writeFileSync(
        join(app, "tsconfig.json"),
        JSON.stringify({ ...NODE_TSCONFIG, files: [file] }),
      );
      const result = Bun.spawnSync(args, { cwd: app, env, stdout: "pipe", stderr: "pipe" });
      return `${result.stdout}${result.stderr}`;
    };
    expect(tsc("app.ts")).toBe("");
    // The declarations type the result: a wrong use of it is an error, not an `any`.
    expect(tsc("wrong.ts")).toContain(
      "error TS2322: Type 'string' is not assignable to type 'number'",
    );
  },
  180_000,
);
