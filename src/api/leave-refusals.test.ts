import { expect, test } from "bun:test";
import { bootstrappedManagement } from "../../test/support/management-log.ts";
import { nodeId } from "../lib/index.ts";
import { NodeService, type NodeServiceOptions } from "./node-service.ts";

/** A NodeService whose node reports this health; leave() reads nothing else before refusing. */
function serviceIn(status: "starting" | "stopping"): NodeService {
  const { machine } = bootstrappedManagement();
  const options = {
    machine,
    self: nodeId(1),
    health: () => ({ status }),
  } as Partial<NodeServiceOptions> as NodeServiceOptions;
  return new NodeService(options);
}

test("a leave asked of a node that is still starting says to leave it once it is ready", async () => {
  await expect(serviceIn("starting").leave()).rejects.toMatchObject({
    code: "NOT_FOUND",
    message:
      "node 1 is not an active member of a cluster (it is starting); leave it once it is " +
      "ready (raftoral node health says ok)",
  });
});

test("a leave asked of a stopping node says that it stays a member and what to do", async () => {
  await expect(serviceIn("stopping").leave()).rejects.toMatchObject({
    code: "NOT_FOUND",
    message:
      "node 1 is not an active member of a cluster (it is stopping); it stays a member: start " +
      "it again and leave it once it is ready, or let the cluster remove it after the failure " +
      "timeout",
  });
});
