import { describe, expect, test } from "bun:test";
import { formatGrpcTimeout, parseGrpcTimeout } from "./timeout.ts";

describe("grpc-timeout", () => {
  test("parses every unit into milliseconds", () => {
    expect(parseGrpcTimeout("2H")).toBe(7_200_000);
    expect(parseGrpcTimeout("3M")).toBe(180_000);
    expect(parseGrpcTimeout("4S")).toBe(4_000);
    expect(parseGrpcTimeout("250m")).toBe(250);
    expect(parseGrpcTimeout("1500u")).toBe(1.5);
    expect(parseGrpcTimeout("2000000n")).toBe(2);
    expect(parseGrpcTimeout("99999999S")).toBe(99_999_999_000);
  });

  test("rejects malformed values", () => {
    for (const bad of ["", "5", "S", "123456789S", "1.5S", "-1S", "5s", "5 S", "5SS"]) {
      expect(parseGrpcTimeout(bad)).toBeUndefined();
    }
  });

  test("formats with the finest unit that fits in 8 digits, rounding up", () => {
    expect(formatGrpcTimeout(1.5)).toBe("1500u");
    expect(formatGrpcTimeout(250)).toBe("250000u");
    expect(formatGrpcTimeout(100_000)).toBe("100000m");
    expect(formatGrpcTimeout(100_000_000)).toBe("100000S");
    expect(formatGrpcTimeout(0.0001)).toBe("1u");
    expect(formatGrpcTimeout(-5)).toBe("0u");
  });

  test("a formatted timeout parses back to at least the original", () => {
    for (const ms of [0, 0.001, 1, 33.3, 99_999.999, 123_456_789, 10 * 24 * 3_600_000]) {
      const parsed = parseGrpcTimeout(formatGrpcTimeout(ms));
      expect(parsed).toBeGreaterThanOrEqual(ms);
    }
  });
});
