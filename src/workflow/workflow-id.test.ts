import { describe, expect, test } from "bun:test";
import { seededRandom } from "../lib/index.ts";
import { isWorkflowId, newWorkflowId } from "./workflow-id.ts";

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
      expect(isWorkflowId(id)).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(newWorkflowId(seededRandom(5))).toBe(ids[0] as string);
  });

  test("isWorkflowId refuses anything else", () => {
    for (const text of ["", "abc-123", "550e8400e29b41d4a716446655440000", `${"a".repeat(36)}`]) {
      expect(isWorkflowId(text)).toBe(false);
    }
    expect(isWorkflowId("550E8400-E29B-41D4-A716-446655440000")).toBe(true);
  });
});
