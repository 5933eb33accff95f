import { describe, expect, test } from "bun:test";
import { RaftoralError } from "../lib/index.ts";
import { defineWorkflow } from "./definition.ts";
import { PING_PONG, registryWithBuiltins } from "./ping-pong.ts";
import { WorkflowRegistry } from "./registry.ts";

const echo = (name: string, version: number) =>
  defineWorkflow(name, version, async (input: string) => input);

describe("defineWorkflow", () => {
  test("keeps name, version and function, frozen", () => {
    const definition = echo("echo", 3);
    expect(definition.name).toBe("echo");
    expect(definition.version).toBe(3);
    expect(Object.isFrozen(definition)).toBe(true);
  });

  test.each([
    ["", 1],
    ["has space", 1],
    ["x".repeat(129), 1],
    ["ok", 0],
    ["ok", 1.5],
    ["ok", -2],
    ["ok", 2 ** 31],
  ])("refuses name %p version %p with INVALID_ARGUMENT", (name, version) => {
    expect(() => echo(name, version)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});

describe("WorkflowRegistry", () => {
  test("holds several versions of a name side by side", () => {
    const registry = new WorkflowRegistry([echo("echo", 1), echo("echo", 2)]);
    expect(registry.has("echo", 1)).toBe(true);
    expect(registry.has("echo", 2)).toBe(true);
    expect(registry.has("echo", 3)).toBe(false);
    expect(registry.get("echo", 2)?.version).toBe(2);
  });

  test("refuses a pair registered twice with ALREADY_EXISTS", () => {
    const registry = new WorkflowRegistry([echo("echo", 1)]);
    expect(() => registry.register(echo("echo", 1))).toThrow(
      expect.objectContaining({ code: "ALREADY_EXISTS" }),
    );
  });

  test("require() names the missing pair and lists what is registered", () => {
    const registry = registryWithBuiltins([echo("echo", 2)]);
    let caught: unknown;
    try {
      registry.require("echo", 1);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RaftoralError);
    expect((caught as RaftoralError).code).toBe("NOT_FOUND");
    expect((caught as RaftoralError).message).toBe(
      "unknown workflow echo v1; registered workflows: echo v2, ping_pong v1",
    );
  });

  test("require() of a version that cannot exist (0: unset over gRPC) is INVALID_ARGUMENT", () => {
    const registry = registryWithBuiltins();
    expect(() => registry.require("ping_pong", 0)).toThrow(
      expect.objectContaining({
        code: "INVALID_ARGUMENT",
        message: "workflow version must be an integer from 1 to 2147483647, got 0",
      }),
    );
  });

  test("keys() are sorted by name then version", () => {
    const registry = new WorkflowRegistry([
      echo("b", 2),
      echo("a", 10),
      echo("b", 1),
      echo("a", 9),
    ]);
    expect(registry.keys()).toEqual([
      { name: "a", version: 9 },
      { name: "a", version: 10 },
      { name: "b", version: 1 },
      { name: "b", version: 2 },
    ]);
  });

  test("the fingerprint depends on the set only, not on order or code", () => {
    const one = new WorkflowRegistry([echo("a", 1), echo("b", 1)]);
    const two = new WorkflowRegistry([
      defineWorkflow("b", 1, async () => "different code"),
      echo("a", 1),
    ]);
    expect(one.fingerprint()).toBe(two.fingerprint());
    expect(one.fingerprint()).toMatch(/^wf1:2:[0-9a-f]{16}$/);
    expect(new WorkflowRegistry([echo("a", 1), echo("b", 2)]).fingerprint()).not.toBe(
      one.fingerprint(),
    );
    expect(new WorkflowRegistry([echo("a", 1)]).fingerprint()).not.toBe(one.fingerprint());
  });

  test("the built-in set has a pinned fingerprint (it is compared across versions)", () => {
    expect(registryWithBuiltins().keys()).toEqual([{ name: PING_PONG.name, version: 1 }]);
    expect(registryWithBuiltins().fingerprint()).toBe(registryWithBuiltins().fingerprint());
    expect(registryWithBuiltins().fingerprint()).toBe("wf1:1:446a4dd2d04480a3");
  });
});
