import { expect, test } from "bun:test";
import { decodeCommand, encodeCommand } from "./commands.ts";
import { ERROR_MESSAGE_CHARS_MAX, recordError } from "./errors.ts";

test("an error is recorded by its name, message and code, whatever was thrown", () => {
  const coded = Object.assign(new TypeError("card expired"), { code: "E_CARD" });
  expect(recordError(coded)).toEqual({
    name: "TypeError",
    message: "card expired",
    code: "E_CARD",
  });
  expect(recordError({ code: "MY_CODE", message: "an object" })).toEqual({
    name: "Error",
    message: "an object",
    code: "MY_CODE",
  });
  expect(recordError({ name: "Declined", message: "no funds" })).toEqual({
    name: "Declined",
    message: "no funds",
  });
  expect(recordError({ reason: "late" })).toEqual({
    name: "Error",
    message: 'non-Error value thrown: {"reason":"late"}',
  });
  expect(recordError("a plain string")).toEqual({
    name: "Error",
    message: "non-Error value thrown: a plain string",
  });
  const cyclic: { self?: unknown } = {};
  cyclic.self = cyclic;
  expect(recordError(cyclic).message).toBe("non-Error value thrown: [object Object]");
});

/** What the log's decoder makes of `error` recorded as a workflow's failure. */
function decodedFail(error: unknown) {
  const fail = {
    type: "Fail",
    workflowId: "w",
    ownerEpoch: 1,
    error: recordError(error),
    finishedAtMs: 1,
  } as const;
  return decodeCommand(encodeCommand(fail));
}

test("every recorded error is one the log's decoder takes, however odd the thrown error", () => {
  // Before, each of these was recorded as is, and apply refused the Fail (or the step's
  // checkpoint) as malformed: the run proposed it again and again, for ever.
  const odd: [string, unknown, object][] = [
    ["an empty name", Object.assign(new Error("m"), { name: "" }), { name: "Error" }],
    ["a name not text", Object.assign(new Error("m"), { name: 42 }), { name: "Error" }],
    ["an empty code", { message: "m", code: "" }, { message: "m" }],
    ["a message not text", Object.assign(new Error("m"), { message: 7 }), { message: "7" }],
    ["a huge name", Object.assign(new Error("m"), { name: "N".repeat(9_000) }), {}],
    ["a huge code", Object.assign(new Error("m"), { code: "C".repeat(9_000) }), {}],
  ];
  for (const [what, thrown, expected] of odd) {
    const decoded = decodedFail(thrown);
    expect({ what, ok: decoded.ok }).toEqual({ what, ok: true });
    expect(recordError(thrown)).toMatchObject(expected);
  }
  expect(recordError({ message: "m", code: "" })).not.toHaveProperty("code");
  expect(
    recordError(Object.assign(new Error("m"), { code: "C".repeat(9_000) })),
  ).not.toHaveProperty("code");
  expect(recordError(Object.assign(new Error("m"), { name: "N".repeat(9_000) })).name).toStartWith(
    "N".repeat(ERROR_MESSAGE_CHARS_MAX),
  );
});
