// What the benchmarks on real node processes share: the fixture workflows every node loads,
// and a protocol client of one node over the cluster's transport.

import { join } from "node:path";
import {
  GrpcProtocolClient,
  HttpProtocolClient,
  type OperatorProtocolClient,
} from "../src/client/index.ts";

/** The --workflows file of the nodes: ping_pong, ten_steps, timed_steps and the others. */
export const FIXTURE_WORKFLOWS = join(
  import.meta.dir,
  "..",
  "test",
  "integration",
  "fixtures",
  "multi-step-workflows.ts",
);

export function clientFor(transport: "grpc" | "http", address: string): OperatorProtocolClient {
  return transport === "grpc" ? new GrpcProtocolClient(address) : new HttpProtocolClient(address);
}
