import { describe, expect, test } from "bun:test";
import {
  checkWakeTime,
  parseDuration,
  SLEEP_MS_MAX,
  timerDueAtMs,
  timerSpecOf,
  timerValue,
} from "./timers.ts";

describe("durations", () => {
  test.each([
    [0, 0],
    [1500, 1500],
    [0.5, 1],
    ["500ms", 500],
    ["90s", 90_000],
    ["1.5s", 1500],
    ["15m", 900_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    [" 3s ", 3000],
  ])("%p is %p ms", (duration, ms) => {
    expect(parseDuration(duration)).toBe(ms);
  });

  test.each([
    ["2 hours", "takes milliseconds or a duration such as"],
    ["", "takes milliseconds or a duration such as"],
    ["-5s", "takes milliseconds or a duration such as"],
    [null, "takes milliseconds or a duration such as"],
    [-1, "needs a duration from 0 to"],
    [Number.NaN, "needs a duration from 0 to"],
    [Number.POSITIVE_INFINITY, "needs a duration from 0 to"],
    [SLEEP_MS_MAX + 1, "(one year); got"],
    ["400d", '(one year); got "400d"'],
  ])("%p is refused: %s", (duration, message) => {
    expect(() => parseDuration(duration)).toThrow(message);
  });

  test("sleepUntil takes integer epoch milliseconds a Date holds only", () => {
    expect(checkWakeTime(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(checkWakeTime(8_640_000_000_000_000)).toBe(8_640_000_000_000_000);
    for (const bad of [-1, 1.5, "1700000000000", Number.NaN, 8_640_000_000_000_001]) {
      expect(() => checkWakeTime(bad)).toThrow("ctx.sleepUntil() takes epoch milliseconds");
    }
  });
});

describe("timer records", () => {
  test("a duration is due its length after the record's own time; an instant at itself", () => {
    const sleep = {
      atMs: 10_000,
      outcome: { ok: true as const, value: timerValue({ sleepMs: 500 }) },
    };
    expect(timerDueAtMs(sleep)).toBe(10_500);
    const until = {
      atMs: 10_000,
      outcome: { ok: true as const, value: timerValue({ untilMs: 9_000 }) },
    };
    expect(timerDueAtMs(until)).toBe(9_000);
  });

  test("only a record of exactly one valid field is a timer", () => {
    expect(timerSpecOf({ sleepMs: 5 })).toEqual({ sleepMs: 5 });
    expect(timerSpecOf({ untilMs: 5 })).toEqual({ untilMs: 5 });
    for (const bad of [
      null,
      5,
      [],
      {},
      { sleepMs: -1 },
      { sleepMs: 1.5 },
      { sleepMs: SLEEP_MS_MAX + 1 },
      { untilMs: "5" },
      { sleepMs: 5, untilMs: 5 },
    ]) {
      expect(timerSpecOf(bad)).toBeUndefined();
    }
  });
});
