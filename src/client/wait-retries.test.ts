// A wait is safe to repeat: while no node can serve it (the cluster restarting), the client
// asks again until the wait's own time is up, not for one round of attempts only.

import { afterAll, expect, test } from "bun:test";
import { droppingNode } from "../../test/support/dropping-node.ts";
import { callFailure } from "../../test/support/outcomes.ts";
import { UnreachableError } from "./client-errors.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const servers: { stop(force: boolean): void }[] = [];
afterAll(() => {
  for (const server of servers) server.stop(true);
});

test("a wait goes on asking a node that drops every call until its time is up", async () => {
  const node = droppingNode("on-open");
  servers.push(node);
  const client = new RaftoralClient([node.address], { attemptsMax: 2 });
  const failure = await callFailure(client.wait({ workflowId: "gone" }, { timeoutMs: 1_500 }));
  await client.close();
  expect(failure).toBeInstanceOf(UnreachableError);
  // One round is the two attempts and a probe of the other protocol (3 connections, all that
  // a wait made before); the wait's 1.5 s hold several rounds 200 ms apart.
  expect(node.dropped()).toBeGreaterThan(5);
});
