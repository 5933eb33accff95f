import { expect, test } from "bun:test";
import { parseNodeTarget, parseNodeTargets } from "./client-address.ts";

const GRPC = { transport: "grpc", isTls: false } as const;
const HTTP = { transport: "http", isTls: false } as const;

test("schemes pick the protocol; plain host:port takes the defaults", () => {
  expect(parseNodeTarget("127.0.0.1:7001", GRPC)).toEqual({
    address: "127.0.0.1:7001",
    transport: "grpc",
    isTls: false,
  });
  expect(parseNodeTarget("http://node-2:7002/", GRPC)).toEqual({
    address: "node-2:7002",
    transport: "http",
    isTls: false,
  });
  expect(parseNodeTarget("GRPC://[::1]:7001", HTTP)).toEqual({
    address: "[::1]:7001",
    transport: "grpc",
    isTls: false,
  });
  expect(parseNodeTargets("a:1, http://b:2,", GRPC)).toEqual([
    { address: "a:1", transport: "grpc", isTls: false },
    { address: "b:2", transport: "http", isTls: false },
  ]);
});

test("https:// and grpcs:// call over TLS; TLS defaults apply to addresses without a scheme", () => {
  expect(parseNodeTarget("https://a:1", GRPC)).toEqual({
    address: "a:1",
    transport: "http",
    isTls: true,
  });
  expect(parseNodeTarget("grpcs://a:1", HTTP)).toEqual({
    address: "a:1",
    transport: "grpc",
    isTls: true,
  });
  expect(parseNodeTargets("a:1,grpc://b:2", { transport: "grpc", isTls: true })).toEqual([
    { address: "a:1", transport: "grpc", isTls: true },
    { address: "b:2", transport: "grpc", isTls: false },
  ]);
});

test("bad addresses are refused with the fix in the message", () => {
  expect(() => parseNodeTarget("ftp://a:1", GRPC)).toThrow(
    "use grpc://, grpcs://, http:// or https://",
  );
  expect(() => parseNodeTarget("a", GRPC)).toThrow("is not host:port");
  expect(() => parseNodeTarget("a:0", GRPC)).toThrow("is not host:port");
  expect(() => parseNodeTarget("a:65536", GRPC)).toThrow("is not host:port");
  expect(() => parseNodeTarget("http://a:1/path", GRPC)).toThrow("is not host:port");
  expect(() => parseNodeTargets(" , ", GRPC)).toThrow("no node address given");
});
