// The server's watch of its file descriptors: this process's are read from /proc, and a spell
// of short ones is told once, with the limit and how to raise it, and its end once.

import { expect, test } from "bun:test";
import { DescriptorAlarm, readDescriptors } from "./descriptor-watch.ts";

test("this process's open descriptors and limit are read", () => {
  const reading = readDescriptors();
  if (reading === undefined || reading === "exhausted") throw new Error(`read ${reading}`);
  expect(reading.open).toBeGreaterThan(2);
  expect(reading.limit).toBeGreaterThan(reading.open);
});

test("a spell past 80% of the limit is told once as it begins and once as it ends", () => {
  const alarm = new DescriptorAlarm();
  expect(alarm.check({ open: 700, limit: 1024 })).toBeUndefined();
  const warning = alarm.check({ open: 900, limit: 1024 });
  expect(warning?.level).toBe("warn");
  expect(warning?.message).toContain("has 900 of its 1024 file descriptors open");
  expect(warning?.message).toContain("LimitNOFILE=");
  expect(alarm.check({ open: 1000, limit: 1024 })).toBeUndefined();
  expect(alarm.check("exhausted")).toBeUndefined();
  expect(alarm.check({ open: 100, limit: 1024 })).toEqual({
    level: "info",
    message: "File descriptors are no longer short",
  });
});

test("none to spare for the look itself is short too", () => {
  const warning = new DescriptorAlarm().check("exhausted");
  expect(warning?.message).toContain("has no file descriptor to spare");
});
