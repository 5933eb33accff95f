import { describe, expect, test } from "bun:test";
import { otherClusterPeer } from "./founder-split.ts";

describe("otherClusterPeer", () => {
  const self = "127.0.0.1:7003";

  test("a founder alone whose peer is in a cluster: that cluster is another", () => {
    const inCluster = [{ peer: "127.0.0.1:7001", address: "127.0.0.1:7001" }];
    expect(otherClusterPeer({ self, admittedEver: 1, inCluster })).toBe("127.0.0.1:7001");
  });

  test("itself among its peers (every node given the same list) is not another cluster", () => {
    const inCluster = [{ peer: "localhost:7003", address: self }];
    expect(otherClusterPeer({ self, admittedEver: 1, inCluster })).toBeUndefined();
  });

  test("a cluster others joined, even those since removed, is theirs too: no check", () => {
    const inCluster = [{ peer: "127.0.0.1:7001", address: "127.0.0.1:7001" }];
    expect(otherClusterPeer({ self, admittedEver: 3, inCluster })).toBeUndefined();
  });

  test("no peer in a cluster: resume", () => {
    expect(otherClusterPeer({ self, admittedEver: 1, inCluster: [] })).toBeUndefined();
  });
});
