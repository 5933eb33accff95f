import { expect, test } from "bun:test";
import { RaftoralError } from "../lib/index.ts";
import { UnreachableError, UnservedError } from "./client-errors.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const attempt = (address: string, code: string, message: string) => ({
  address,
  error: new RaftoralError(code as never, message),
});

test("each address is named once, with how its first and last attempts failed", () => {
  const attempts = [
    attempt("a:1", "UNAVAILABLE", "connection refused"),
    attempt("b:2", "UNAVAILABLE", "timed out after 5000 ms"),
    attempt("a:1", "UNAVAILABLE", "timed out after 5000 ms"),
    attempt("b:2", "UNAVAILABLE", "timed out after 5000 ms"),
  ];
  expect(new UnreachableError("start", attempts).message).toBe(
    "no node answered start (a:1: connection refused, then timed out after 5000 ms; b:2: timed " +
      "out after 5000 ms); " +
      "check that the node runs and the address is right",
  );
  const answer = new RaftoralError("NO_LEADER", "group 1 has no leader");
  const unserved = new UnservedError(
    "start",
    [...attempts, { address: "b:2", error: answer }],
    answer,
  );
  expect(unserved.message).toBe(
    "no node could serve start (a:1: connection refused, then timed out after 5000 ms; b:2: " +
      "timed out after 5000 ms, then group 1 has no leader)",
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
    "no node answered signal (a:1: stream canceled, then connect ECONNREFUSED); a:1 received " +
      "it before its answer " +
      "was lost, so it may have been done; check that the node runs and the address is right",
  );
  // A read changes nothing: an answer lost there says nothing about what was done.
  expect(new UnreachableError("wait", [lost, refused], false).message).toBe(
    "no node answered wait (a:1: stream canceled, then connect ECONNREFUSED); check that the " +
      "node runs and the " +
      "address is right",
  );
});

test("a call made to the first node only reports that node's own refusal as it is", async () => {
  const refusal = "node 2 cannot leave now: voter 3 of the management group is unreachable";
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      Response.json({ success: false, error: refusal, code: "UNAVAILABLE" }, { status: 503 }),
  });
  const client = new RaftoralClient([`http://127.0.0.1:${server.port}`]);
  const failure = await client.leave().catch((error: RaftoralError) => error);
  await client.close();
  server.stop(true);
  expect(failure).toMatchObject({ code: "UNAVAILABLE", message: refusal });
});
