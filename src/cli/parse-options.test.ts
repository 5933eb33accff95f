import { describe, expect, test } from "bun:test";
import { parseOptions } from "./parse-options.ts";

const SPECS = [
  { flags: "-a, --address <ADDRESS>", key: "address" },
  { flags: "-w, --wait", key: "wait" },
];

describe("client options", () => {
  test("a short option's value may follow it in the same word, after -- nothing is split", () => {
    const parsed = parseOptions(["-a127.0.0.1:7001", "-w", "--", "-abc"], SPECS, "workflow run");
    expect(parsed).toMatchObject({
      ok: true,
      options: { address: "127.0.0.1:7001", wait: true, "--": ["-abc"] },
    });
    expect(parseOptions(["-a=h:1"], SPECS, "workflow run")).toMatchObject({
      options: { address: "h:1" },
    });
  });
});
