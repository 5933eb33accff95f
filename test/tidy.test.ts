import { expect, test } from "bun:test";
import { join } from "node:path";
import { checkIdCasts, checkImports, checkSizes, type Problem, tidy } from "../scripts/tidy.ts";

test("the tree follows the import rules, the determinism bans and the size ratchet", () => {
  const problems = tidy(join(import.meta.dir, ".."));
  expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual(
    [],
  );
});

test("a function is measured whether its signature fits one line or wraps", () => {
  const body = Array.from({ length: 75 }, (_, k) => `    step(${k});`);
  const wrapped = [
    "class Runner {",
    "  private async submit(",
    "    groupId: number,",
    "    data: Uint8Array,",
    "  ): Promise<unknown> {",
    ...body,
    "  }",
    "}",
  ];
  const oneLine = ["function run(): void {", ...body, "}"];
  const problems: Problem[] = [];
  checkSizes("a.ts", wrapped, problems);
  checkSizes("b.ts", oneLine, problems);
  expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual([
    "a.ts:2: function submit has 80 lines; keep functions under 70",
    "b.ts:1: function run has 77 lines; keep functions under 70",
  ]);
  // A call whose arguments wrap is not a declaration.
  const call = ["  expect(", "    value,", "  ).toBe(1);", ...body];
  checkSizes("c.ts", call, problems);
  expect(problems).toHaveLength(2);
});

test("a branded id is never cast outside lib/ids.ts", () => {
  const found: Problem[] = [];
  checkIdCasts("src/node/x.ts", ["const id = raw as NodeId;", "// as GroupId in a comment"], found);
  checkIdCasts("src/lib/ids.ts", ["export const nodeId = (v: number) => v as NodeId;"], found);
  expect(found.map((problem) => problem.message)).toEqual([
    "'as NodeId' mints an id unchecked; call nodeId(...) from lib/ids.ts",
  ]);
});

test("imports, dynamic ones and require() too, follow the import table and the index rule", () => {
  const found: Problem[] = [];
  checkImports(
    "src/node/x.ts",
    [
      'import { InProcessClient } from "../client/index-core.ts";',
      'const { GrpcProtocolClient } = await import("../client/index-grpc.ts");',
      'import { GrpcProtocolClient } from "../client/grpc-client.ts";',
      'const { HttpProtocolClient } = await import("../client/http-client.ts");',
      'await import("../client/indexer.ts");',
    ],
    found,
  );
  checkImports(
    "src/raft/x.ts",
    ['const transport = await import("../transport/index.ts");', 'require("protobufjs");'],
    found,
  );
  expect(found.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual([
    "src/node/x.ts:3: import src/client through its index.ts (or an index-*.ts slice), not ../client/grpc-client.ts",
    "src/node/x.ts:4: import src/client through its index.ts (or an index-*.ts slice), not ../client/http-client.ts",
    "src/node/x.ts:5: import src/client through its index.ts (or an index-*.ts slice), not ../client/indexer.ts",
    "src/raft/x.ts:1: src/raft may not import src/transport (../transport/index.ts)",
    "src/raft/x.ts:2: src/raft may not import package 'protobufjs'",
  ]);
});
