// A management machine and the log it applies, bootstrapped as node 1 at h:1 with workflow
// set "f": where most management tests begin.

import { type LogIndex, nodeId } from "../../src/lib/index.ts";
import {
  encodeManagementCommand,
  type ManagementCommand,
  ManagementMachine,
  type ManagementResult,
} from "../../src/management/index.ts";

type Bootstrap = Extract<ManagementCommand, { type: "bootstrap" }>;

export function bootstrappedManagement(bootstrap: Partial<Bootstrap> = {}) {
  const machine = new ManagementMachine();
  let index = 0;
  const apply = (command: ManagementCommand): ManagementResult =>
    machine.apply(encodeManagementCommand(command), ++index as LogIndex);
  apply({
    type: "bootstrap",
    clusterId: "c",
    transport: "grpc",
    maxVoters: 5,
    workflowFingerprint: "f",
    node: { id: nodeId(1), address: "h:1", instance: "i1" },
    ...bootstrap,
  });
  return { machine, apply };
}

/** Registers node `id` at h:`id` with the bootstrap's workflow set. */
export function registerNodeAt(
  apply: (command: ManagementCommand) => ManagementResult,
  id: number,
): ManagementResult {
  return apply({
    type: "registerNode",
    address: `h:${id}`,
    requestedId: nodeId(0),
    workflowFingerprint: "f",
    instance: `i${id}`,
  });
}
