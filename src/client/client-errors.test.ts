import { expect, test } from "bun:test";
import { RaftoralError } from "../lib/index.ts";
import { UnreachableError, UnservedError } from "./client-errors.ts";

const attempt = (address: string, code: string, message: string) => ({
  address,
  error: new RaftoralError(code as never, message),
});

test("each address is named once, with how its last attempt failed", () => {
  const attempts = [
    attempt("a:1", "UNAVAILABLE", "connection refused"),
    attempt("b:2", "UNAVAILABLE", "timed out after 5000 ms"),
    attempt("a:1", "UNAVAILABLE", "timed out after 5000 ms"),
    attempt("b:2", "UNAVAILABLE", "timed out after 5000 ms"),
  ];
  expect(new UnreachableError("start", attempts).message).toBe(
    "no node answered start (a:1: timed out after 5000 ms; b:2: timed out after 5000 ms); " +
      "check that the node runs and the address is right",
  );
  const answer = new RaftoralError("NO_LEADER", "group 1 has no leader");
  const unserved = new UnservedError(
    "start",
    [...attempts, { address: "b:2", error: answer }],
    answer,
  );
  expect(unserved.message).toBe(
    "no node could serve start (a:1: timed out after 5000 ms; b:2: group 1 has no leader)",
  );
  expect(unserved.code).toBe("NO_LEADER");
});

test("an attempt whose answer was lost is named: the call may have been done", () => {
  const lost = {
    address: "a:1",
    error: new RaftoralError("UNAVAILABLE", "stream canceled", { isAnswerLost: true }),
  };
  const refused = attempt("a:1", "UNAVAILABLE", "connect ECONNREFUSED");
  expect(new UnreachableError("signal", [lost, refused]).message).toBe(
    "no node answered signal (a:1: connect ECONNREFUSED); a:1 received it before its answer " +
      "was lost, so it may have been done; check that the node runs and the address is right",
  );
});
