import { expect, test } from "bun:test";
import { FTL_OPTION, relaunchWithoutFtl, replaceProcess } from "./jit-tiers.ts";

const FROM_SOURCE = {
  argv: ["/usr/bin/bun", "/app/src/cli/main.ts", "--listen", "127.0.0.1:7001", "--bootstrap"],
  execArgv: ["--smol"],
  execPath: "/usr/bin/bun",
  env: { PATH: "/usr/bin" },
  isStandaloneExecutable: false,
};

test("a node run from source relaunches Bun with its flags, its script and its arguments", () => {
  expect(relaunchWithoutFtl(FROM_SOURCE)).toEqual({
    file: "/usr/bin/bun",
    args: [
      "/usr/bin/bun",
      "--smol",
      "/app/src/cli/main.ts",
      "--listen",
      "127.0.0.1:7001",
      "--bootstrap",
    ],
    env: { PATH: "/usr/bin", [FTL_OPTION]: "0" },
  });
});

test("a standalone executable relaunches itself without the path of its built-in script", () => {
  const relaunch = relaunchWithoutFtl({
    ...FROM_SOURCE,
    argv: ["bun", "/$bunfs/root/raftoral", "--listen", "127.0.0.1:7001"],
    execArgv: [],
    execPath: "/opt/raftoral",
    isStandaloneExecutable: true,
  });
  expect(relaunch?.file).toBe("/opt/raftoral");
  expect(relaunch?.args).toEqual(["/opt/raftoral", "--listen", "127.0.0.1:7001"]);
});

test("an operator's setting of the option, whatever it is, is left alone", () => {
  for (const value of ["0", "1", ""]) {
    expect(relaunchWithoutFtl({ ...FROM_SOURCE, env: { [FTL_OPTION]: value } })).toBeUndefined();
  }
});

test("client subcommands run as started", () => {
  for (const group of ["workflow", "cluster", "node"]) {
    const argv = ["/usr/bin/bun", "/app/src/cli/main.ts", group, "list"];
    expect(relaunchWithoutFtl({ ...FROM_SOURCE, argv })).toBeUndefined();
  }
});

test("a relaunch that cannot happen says why, and the caller runs on", () => {
  const relaunch = relaunchWithoutFtl(FROM_SOURCE);
  if (relaunch === undefined) throw new Error("expected a relaunch");
  const calls: string[][] = [];
  const missing = replaceProcess(relaunch, (file, args) => {
    calls.push([file, ...args]);
    throw new Error("ENOENT, No such file or directory");
  });
  expect(missing).toBe("/usr/bin/bun: ENOENT, No such file or directory");
  expect(calls).toEqual([[relaunch.file, ...relaunch.args]]);
  expect(replaceProcess(relaunch, undefined)).toBe("this platform cannot replace a process");
});
