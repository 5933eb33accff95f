import { expect, test } from "bun:test";
import { nodeId } from "../lib/index.ts";
import { StaleIncarnationError } from "./storage-check-in.ts";

test("a refused directory behind the cluster is called an old copy", () => {
  const error = new StaleIncarnationError({ nodeId: nodeId(5), previous: 1, recorded: 3 });
  expect(error.code).toBe("STALE_INCARNATION");
  expect(error.message).toContain(
    "it is an old copy (it continues start 1, the cluster last accepted start 3 of node 5), such as a restored backup",
  );
  expect(error.message).toContain("move the directory aside");
});

test("a refused directory ahead of the cluster is not called an old copy", () => {
  // A flipped bit in the identity row's incarnation (2 -> 6) was refused, rightly, but as "an
  // old copy ... such as a restored backup", which sent the operator looking for a backup.
  const error = new StaleIncarnationError({ nodeId: nodeId(5), previous: 6, recorded: 2 });
  expect(error.message).toContain(
    "it claims a start the cluster never accepted (it continues start 6, the cluster last accepted start 2 of node 5): its stored identity is damaged",
  );
  expect(error.message).not.toContain("old copy");
  expect(error.message).toContain("move the directory aside");
});
