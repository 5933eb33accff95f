import { expect, test } from "bun:test";
import { parseNodeTarget, parseNodeTargets } from "./client-address.ts";

test("schemes pick the protocol; plain host:port takes the fallback", () => {
  expect(parseNodeTarget("127.0.0.1:7001", "grpc")).toEqual({
    address: "127.0.0.1:7001",
    transport: "grpc",
  });
  expect(parseNodeTarget("http://node-2:7002/", "grpc")).toEqual({
    address: "node-2:7002",
    transport: "http",
  });
  expect(parseNodeTarget("GRPC://[::1]:7001", "http")).toEqual({
    address: "[::1]:7001",
    transport: "grpc",
  });
  expect(parseNodeTargets("a:1, http://b:2,", "grpc")).toEqual([
    { address: "a:1", transport: "grpc" },
    { address: "b:2", transport: "http" },
  ]);
});

test("bad addresses are refused with the fix in the message", () => {
  expect(() => parseNodeTarget("https://a:1", "grpc")).toThrow("no TLS");
  expect(() => parseNodeTarget("a", "grpc")).toThrow("is not host:port");
  expect(() => parseNodeTarget("a:0", "grpc")).toThrow("is not host:port");
  expect(() => parseNodeTarget("a:65536", "grpc")).toThrow("is not host:port");
  expect(() => parseNodeTarget("http://a:1/path", "grpc")).toThrow("is not host:port");
  expect(() => parseNodeTargets(" , ", "grpc")).toThrow("no node address given");
});
