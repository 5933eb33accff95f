import { expect, test } from "bun:test";
import { recordError } from "./errors.ts";

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
