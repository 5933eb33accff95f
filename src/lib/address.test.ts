import { expect, test } from "bun:test";
import { parseAddress } from "./address.ts";

test("parses host:port and names the problem otherwise", () => {
  expect(parseAddress("10.0.1.10:7001")).toEqual({
    ok: true,
    address: { host: "10.0.1.10", port: 7001, text: "10.0.1.10:7001" },
  });
  expect(parseAddress("raftoral-1:7001").ok).toBe(true);
  expect(parseAddress(" 127.0.0.1:1 ").ok).toBe(true);
  expect(parseAddress("a b:1")).toEqual({ ok: false, problem: "the host contains whitespace" });
  expect(parseAddress("[::1]7001").ok).toBe(false);
  expect(parseAddress("h:65535").ok).toBe(true);
  expect(parseAddress("h:65536").ok).toBe(false);
  expect(parseAddress("h:-1").ok).toBe(false);
});

test("an address with a URL scheme is told to drop it, not that IPv6 needs brackets", () => {
  expect(parseAddress("https://10.0.1.10:7001")).toEqual({
    ok: false,
    problem:
      "https:// is a URL scheme, not part of the address; give host:port, e.g. 127.0.0.1:7001",
  });
  expect(parseAddress("grpc://raftoral-1:7001").ok).toBe(false);
  expect(parseAddress("[::1]:7001").ok).toBe(true);
});
