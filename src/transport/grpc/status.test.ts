import { describe, expect, test } from "bun:test";
import { InvalidArgumentError, RaftoralError } from "../../lib/index.ts";
import {
  GrpcStatus,
  GrpcStatusError,
  grpcStatusName,
  INTERNAL_MESSAGE,
  parseGrpcStatus,
  statusOfError,
} from "./status.ts";

describe("statusOfError", () => {
  test("keeps a GrpcStatusError's code and message", () => {
    expect(statusOfError(new GrpcStatusError(GrpcStatus.ABORTED, "try again"))).toEqual({
      grpcCode: GrpcStatus.ABORTED,
      message: "try again",
      isUnexpected: false,
      isNotDone: false,
    });
  });

  test.each([
    ["INVALID_ARGUMENT", GrpcStatus.INVALID_ARGUMENT],
    ["NOT_FOUND", GrpcStatus.NOT_FOUND],
    ["RESOURCE_EXHAUSTED", GrpcStatus.RESOURCE_EXHAUSTED],
    ["UNAVAILABLE", GrpcStatus.UNAVAILABLE],
    ["NOT_LEADER", GrpcStatus.UNAVAILABLE],
    ["NO_LEADER", GrpcStatus.UNAVAILABLE],
    ["TIMEOUT", GrpcStatus.DEADLINE_EXCEEDED],
  ] as const)("maps RaftoralError %s to gRPC %d with its message", (code, grpcCode) => {
    expect(statusOfError(new RaftoralError(code, "what happened"))).toEqual({
      grpcCode,
      message: "what happened",
      isUnexpected: false,
      isNotDone: false,
    });
  });

  test("says when the call was refused before anything was done for it", () => {
    const refusal = new RaftoralError("UNAVAILABLE", "still starting", { isNotDone: true });
    expect(statusOfError(refusal)).toMatchObject({ grpcCode: 14, isNotDone: true });
  });

  test("anything else is INTERNAL with a message that leaks nothing", () => {
    for (const error of [
      new RaftoralError("STORAGE_FAILED", "disk /var/secret full"),
      new Error("boom at /home/x"),
      "a string",
    ]) {
      expect(statusOfError(error)).toEqual({
        grpcCode: GrpcStatus.INTERNAL,
        message: INTERNAL_MESSAGE,
        isUnexpected: true,
      });
    }
  });
});

describe("GrpcStatusError", () => {
  test("carries the gRPC code and the nearest stable Raftoral code", () => {
    const error = new GrpcStatusError(GrpcStatus.UNAVAILABLE, "peer down");
    expect(error).toBeInstanceOf(RaftoralError);
    expect(error.grpcCode).toBe(14);
    expect(error.code).toBe("UNAVAILABLE");
    expect(new GrpcStatusError(GrpcStatus.DEADLINE_EXCEEDED, "").code).toBe("TIMEOUT");
    expect(new GrpcStatusError(GrpcStatus.UNIMPLEMENTED, "").code).toBe("INTERNAL");
    expect(new InvalidArgumentError("x").code).toBe("INVALID_ARGUMENT");
  });

  test("status names and parsing of received codes", () => {
    expect(grpcStatusName(5)).toBe("NOT_FOUND");
    expect(grpcStatusName(99)).toBe("CODE_99");
    expect(parseGrpcStatus("0")).toBe(GrpcStatus.OK);
    expect(parseGrpcStatus("42")).toBe(GrpcStatus.UNKNOWN);
    expect(parseGrpcStatus("x")).toBeUndefined();
    expect(parseGrpcStatus(undefined)).toBeUndefined();
  });
});
