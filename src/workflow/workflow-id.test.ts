import { describe, expect, test } from "bun:test";
import { seededRandom } from "../lib/index.ts";
import { checkWorkflowId, newWorkflowId, WORKFLOW_ID_CHARS_MAX } from "./workflow-id.ts";

describe("workflow ids", () => {
  test("are UUID v4 strings, the same for the same seed", () => {
    const ids = Array.from(
      { length: 200 },
      (() => {
        const random = seededRandom(5);
        return () => newWorkflowId(random);
      })(),
    );
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(checkWorkflowId(id)).toBe(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(newWorkflowId(seededRandom(5))).toBe(ids[0] as string);
    // Pinned: a seeded simulation replays with the same ids across versions.
    expect(ids.slice(0, 2)).toEqual([
      "d796c42a-d4ba-4ed1-9fd1-8ce44448c236",
      "78d74561-bebd-4ee7-8b26-26b436947fcd",
    ]);
  });

  test("a caller may choose any id of letters, digits and . _ : @ -", () => {
    for (const text of ["order-1234", "a", "Tenant_7:invoice.2026@eu", "9", "x".repeat(128)]) {
      expect(checkWorkflowId(text)).toBe(text);
    }
  });

  test("checkWorkflowId names the field and the rule it breaks", () => {
    expect(() => checkWorkflowId("")).toThrow(
      /workflow_id must have 1 to 128 characters \(got 0\)/,
    );
    expect(() => checkWorkflowId("x".repeat(WORKFLOW_ID_CHARS_MAX + 1), "id")).toThrow(
      /^id must have 1 to 128 characters \(got 129\)/,
    );
    for (const text of ["-leading", "has space", "slash/y", "ünïcode", "semi;colon", ".dot"]) {
      expect(() => checkWorkflowId(text)).toThrow(`workflow_id '${text}' may only hold letters`);
    }
  });
});
