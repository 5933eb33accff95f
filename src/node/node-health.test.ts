import { describe, expect, test } from "bun:test";
import { createLogger, nodeId, VirtualClock } from "../lib/index.ts";
import { NodeHealth } from "./node-health.ts";
import type { Readiness } from "./readiness.ts";

function fixture() {
  const lines: string[] = [];
  const world = {
    startup: { isReady: false, reason: "waiting for a management group leader" } as Readiness,
    serving: { isReady: true } as Readiness,
  };
  const health = new NodeHealth({
    logger: createLogger({ level: "debug", format: "text", write: (line) => lines.push(line) }),
    self: () => nodeId(3),
    isManagementLeader: () => false,
    startup: () => world.startup,
    serving: () => world.serving,
  });
  return { health, world, lines };
}

describe("node health", () => {
  test("a starting node says why it is not ready, then turns ok once and logs it", () => {
    const { health, world, lines } = fixture();
    expect(health.info()).toEqual({
      status: "starting",
      nodeId: nodeId(3),
      isLeader: false,
      reason: "waiting for a management group leader",
    });
    world.startup = { isReady: true };
    expect(health.info().status).toBe("ok");
    health.refresh();
    expect(lines.filter((line) => line.includes("Node 3 is ready"))).toHaveLength(1);
  });

  test("once ready, it reports what serving says, and startup no longer matters", () => {
    const { health, world } = fixture();
    world.startup = { isReady: true };
    health.refresh();
    world.startup = { isReady: false, reason: "ignored" };
    world.serving = { isReady: false, reason: "group 1 has had no leader for 5 s" };
    expect(health.info()).toMatchObject({
      status: "unavailable",
      reason: "group 1 has had no leader for 5 s",
    });
  });

  test("stopping wins over everything", () => {
    const { health, world } = fixture();
    world.startup = { isReady: true };
    health.stopping();
    expect(health.info().status).toBe("stopping");
  });

  test("waitUntilReady resolves on a change, and rejects with the failure", async () => {
    const clock = new VirtualClock();
    const { health, world } = fixture();
    const listeners: (() => void)[] = [];
    let failure: Error | undefined;
    const waiting = health.waitUntilReady({
      clock,
      changes: [
        (listener) => {
          listeners.push(listener);
          return () => undefined;
        },
      ],
      failure: () => failure,
    });
    world.startup = { isReady: true };
    for (const listener of listeners) listener();
    await waiting;
    expect(health.isReady).toBe(true);

    const other = fixture();
    const failing = other.health.waitUntilReady({
      clock,
      changes: [],
      failure: () => failure,
    });
    failure = new Error("disk gone");
    clock.advance(50);
    await expect(failing).rejects.toThrow("disk gone");
  });
});
