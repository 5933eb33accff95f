import { describe, expect, test } from "bun:test";
import type { RaftoralError } from "../lib/index.ts";
import {
  checkListRequest,
  decodePageToken,
  encodePageToken,
  LIST_PAGE_SIZE_MAX,
} from "./workflow-list.ts";

function codeOf(work: () => unknown): { code: string; message: string } {
  try {
    work();
  } catch (error) {
    return { code: (error as RaftoralError).code, message: (error as Error).message };
  }
  throw new Error("expected a failure");
}

describe("page tokens", () => {
  test("round-trip the cursor, ids with dots and colons included", () => {
    for (const cursor of [
      { startedAtMs: 0, workflowId: "a" },
      { startedAtMs: 1_700_000_000_123, workflowId: "order.1:x@y-z_2" },
    ]) {
      const token = encodePageToken(cursor);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodePageToken(token)).toEqual(cursor);
    }
  });

  test.each([
    ["not base64url", "a+b/c="],
    ["garbage", Buffer.from("hello").toString("base64url")],
    ["another version", Buffer.from("2.5.a").toString("base64url")],
    ["a negative time", Buffer.from("1.-5.a").toString("base64url")],
    ["a time past 2^53", Buffer.from("1.9007199254740993.a").toString("base64url")],
    ["no id", Buffer.from("1.5.").toString("base64url")],
    ["a bad id", Buffer.from("1.5.-a b").toString("base64url")],
    ["too long", "A".repeat(600)],
    ["empty", ""],
  ])("a token with %s is INVALID_ARGUMENT, saying what to pass", (_, token) => {
    const { code, message } = codeOf(() => decodePageToken(token));
    expect(code).toBe("INVALID_ARGUMENT");
    expect(message).toContain("page_token is not valid");
    expect(message).toContain("next_page_token");
  });
});

describe("checkListRequest", () => {
  test("accepts the bounds and an absent page size", () => {
    expect(() => checkListRequest({})).not.toThrow();
    expect(() => checkListRequest({ pageSize: 1 })).not.toThrow();
    expect(() => checkListRequest({ pageSize: LIST_PAGE_SIZE_MAX })).not.toThrow();
  });

  test.each([
    [{ pageSize: 0 }, "page_size must be a whole number from 1 to 1000 (default 50), got 0"],
    [{ pageSize: 1_001 }, "from 1 to 1000"],
    [{ pageSize: 2.5 }, "from 1 to 1000"],
    [{ startedAfterMs: -1 }, "started_after must be a time in epoch milliseconds"],
    [{ startedBeforeMs: 1.5 }, "started_before must be a time"],
    [{ pageToken: "!!" }, "page_token is not valid"],
  ])("refuses %j", (request, expected) => {
    const { code, message } = codeOf(() => checkListRequest(request));
    expect(code).toBe("INVALID_ARGUMENT");
    expect(message).toContain(expected);
  });
});
