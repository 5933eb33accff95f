import { describe, expect, test } from "bun:test";
import type { NodeId } from "../lib/index.ts";
import { decodeCommand, encodeCommand, type WorkflowCommand } from "./commands.ts";

const COMMANDS: WorkflowCommand[] = [
  {
    type: "Start",
    workflowId: "w",
    name: "ping_pong",
    version: 1,
    input: { nested: ["ping", 1, null] },
    owner: 3 as NodeId,
    startedAtMs: 1,
    seed: 4_294_967_295,
    runtimeVersion: 1,
  },
  {
    type: "Start",
    workflowId: "traced",
    name: "ping_pong",
    version: 1,
    input: null,
    owner: 3 as NodeId,
    startedAtMs: 1,
    seed: 0,
    runtimeVersion: 1,
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  },
  {
    type: "Checkpoint",
    workflowId: "w",
    ownerEpoch: 2,
    seq: 0,
    kind: "step",
    name: "s",
    outcome: { ok: false, error: { name: "E", message: "m", code: "X" } },
    atMs: 5,
    stats: { attempts: 3, durationMs: 250 },
  },
  {
    type: "Checkpoint",
    workflowId: "w",
    ownerEpoch: 2,
    seq: 1,
    kind: "set",
    name: "k",
    outcome: { ok: true },
    atMs: 5,
  },
  { type: "Complete", workflowId: "w", ownerEpoch: 2, output: null, finishedAtMs: 9 },
  {
    type: "Fail",
    workflowId: "w",
    ownerEpoch: 2,
    error: { name: "E", message: "" },
    finishedAtMs: 9,
  },
  { type: "AssignOwner", workflowId: "w", owner: 2 as NodeId, epoch: 3 },
];

describe("workflow command codec", () => {
  test.each(COMMANDS.map((command) => [command.type, command] as const))(
    "%s round-trips",
    (_type, command) => {
      expect(decodeCommand(encodeCommand(command))).toEqual({ ok: true, command });
    },
  );

  test.each([
    ["not JSON", "{"],
    ["not an object", "3"],
    ["unknown type", '{"type":"Explode","workflowId":"w"}'],
    ["missing id", '{"type":"AssignOwner","owner":1,"epoch":2}'],
    ["negative epoch", '{"type":"AssignOwner","workflowId":"w","owner":1,"epoch":-1}'],
    ["fractional seq", '{"type":"Checkpoint","workflowId":"w","ownerEpoch":1,"seq":0.5}'],
    [
      "bad outcome",
      '{"type":"Checkpoint","workflowId":"w","ownerEpoch":1,"seq":0,"kind":"step","name":"s","outcome":{"ok":"yes"},"atMs":0}',
    ],
    [
      "bad step stats",
      '{"type":"Checkpoint","workflowId":"w","ownerEpoch":1,"seq":0,"kind":"step","name":"s","outcome":{"ok":true},"atMs":0,"stats":{"attempts":-1,"durationMs":0}}',
    ],
    [
      "bad trace id",
      '{"type":"Start","workflowId":"w","name":"n","version":1,"input":null,"owner":1,"startedAtMs":0,"seed":0,"runtimeVersion":1,"traceId":"XYZ"}',
    ],
    [
      "bad error",
      '{"type":"Fail","workflowId":"w","ownerEpoch":1,"error":{"message":3},"finishedAtMs":0}',
    ],
  ])("refuses %s", (_what, text) => {
    const result = decodeCommand(new TextEncoder().encode(text));
    expect(result.ok).toBe(false);
  });
});
