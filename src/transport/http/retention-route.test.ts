import { expect, test } from "bun:test";
import { parseRetentionRequest } from "./retention-route.ts";

test("the body's fields are read in the API's names, each within what the setting takes", () => {
  expect(parseRetentionRequest({ finished_max: 20_000, retain_at_least_ms: 0 })).toEqual({
    finishedMax: 20_000,
    retainAtLeastMs: 0,
  });
  expect(parseRetentionRequest(undefined)).toEqual({});
  for (const [body, problem] of [
    [{ finished_max: -1 }, "field 'finished_max' must be an integer from 1 to 10000000"],
    [{ finished_max: 20_000_000 }, "field 'finished_max' must be an integer from 1 to 10000000"],
    [{ retain_for_ms: 1e12 }, "field 'retain_for_ms' must be an integer from 0 to 315360000000"],
  ] as const) {
    expect(() => parseRetentionRequest(body)).toThrow(problem);
  }
});
