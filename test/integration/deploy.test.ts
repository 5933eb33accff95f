// deploy/: what can be checked without systemd running or a Docker daemon. The unit files go
// through `systemd-analyze verify` when it is installed (Debian's systemd package) and a
// structural check always; install.sh runs into a scratch root; docker-compose.yml is parsed
// (Bun.YAML) and compared with the QUICKSTART's cluster; the Dockerfile is checked stage by
// stage against the Makefile's build.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary, ROOT } from "../support/compiled-binary.ts";

const DEPLOY = join(ROOT, "deploy");
const scratch = mkdtempSync(join(tmpdir(), "raftoral-deploy-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hasSystemdAnalyze = Bun.which("systemd-analyze") !== null;
if (!hasSystemdAnalyze) {
  console.warn("systemd-analyze is not installed: the unit files get the structural check only");
}

type Sections = Map<string, Map<string, string[]>>;

/** A unit file as sections of keys, each with every value it was given. */
function parseUnit(text: string): Sections {
  const sections: Sections = new Map();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const pair = /^(\w+)=(.*)$/.exec(line);
    if (pair === null || current === undefined) throw new Error(`not a unit file line: ${raw}`);
    const [, key = "", value = ""] = pair;
    current.set(key, [...(current.get(key) ?? []), value]);
  }
  return sections;
}

/** The QUICKSTART's three services: listen/advertise/bootstrap-or-peers/storage, ports. */
function quickstartService(index: number): Record<string, unknown> {
  const peers = ["raftoral-1:7001", "raftoral-1:7001,raftoral-2:7001"][index - 2];
  return {
    build: { context: "..", dockerfile: "deploy/Dockerfile" },
    command: [
      "--listen",
      "0.0.0.0:7001",
      "--advertise",
      `raftoral-${index}:7001`,
      ...(peers === undefined ? ["--bootstrap"] : ["--peers", peers]),
      "--storage-path",
      "/data",
    ],
    volumes: [`raftoral-${index}-data:/data`],
    ports: [`700${index}:7001`],
    ...(index === 1
      ? {}
      : { depends_on: Array.from({ length: index - 1 }, (_, k) => `raftoral-${k + 1}`) }),
  };
}

const UNITS = [
  { file: "raftoral.service", instance: "raftoral.service", storage: "/var/lib/raftoral" },
  {
    file: "raftoral@.service",
    instance: "raftoral@node1.service",
    storage: "/var/lib/raftoral/%i",
  },
];

describe("systemd units", () => {
  test.each(UNITS)("$file: structure, restart policy and hardening", ({ file, storage }) => {
    const unit = parseUnit(readFileSync(join(DEPLOY, file), "utf8"));
    expect([...unit.keys()]).toEqual(["Unit", "Service", "Install"]);
    const service = unit.get("Service") as Map<string, string[]>;
    const value = (key: string) => service.get(key)?.join(" ");
    // systemd expands ${RAFTORAL_LISTEN} from the EnvironmentFile, as one argument.
    const listen = ["$", "{RAFTORAL_LISTEN}"].join("");
    expect(value("ExecStart")).toStartWith(`/usr/local/bin/raftoral --listen ${listen}`);
    expect(value("ExecStart")).toContain(`--storage-path ${storage}`);
    expect(value("Restart")).toBe("on-failure");
    expect(value("KillSignal")).toBe("SIGTERM");
    expect(value("ReadWritePaths")).toBe(storage);
    for (const [key, expected] of [
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["ProtectHome", "yes"],
      ["PrivateTmp", "yes"],
      ["DynamicUser", "yes"],
      ["CapabilityBoundingSet", ""],
    ] as const) {
      expect(value(key)).toBe(expected);
    }
    expect(service.has("MemoryDenyWriteExecute")).toBe(false);
    expect(unit.get("Unit")?.get("StartLimitBurst")).toEqual(["5"]);
    expect(unit.get("Install")?.get("WantedBy")).toEqual(["multi-user.target"]);
  });

  test.skipIf(!hasSystemdAnalyze)("systemd-analyze verify accepts both units", () => {
    for (const { file, instance } of UNITS) {
      // verify checks that ExecStart's program exists: point it at a real binary.
      const text = readFileSync(join(DEPLOY, file), "utf8").replaceAll(
        "/usr/local/bin/raftoral",
        compiledBinary(),
      );
      const path = join(scratch, instance);
      writeFileSync(path, text);
      const result = Bun.spawnSync(["systemd-analyze", "verify", path], { cwd: scratch });
      const output = result.stdout.toString() + result.stderr.toString();
      expect(output).toBe("");
      expect(result.exitCode).toBe(0);
    }
  });
});

describe("install.sh", () => {
  test("places binary, units and settings, and keeps edited settings", () => {
    const root = join(scratch, "root");
    const env = { ...process.env, DESTDIR: root, SYSTEMCTL: "true" };
    const install = () =>
      Bun.spawnSync([join(DEPLOY, "install.sh"), compiledBinary()], { env, stdout: "pipe" });
    expect(install().exitCode).toBe(0);
    expect(statSync(join(root, "usr/local/bin/raftoral")).mode & 0o777).toBe(0o755);
    for (const unit of ["raftoral.service", "raftoral@.service"]) {
      expect(readFileSync(join(root, "etc/systemd/system", unit), "utf8")).toBe(
        readFileSync(join(DEPLOY, unit), "utf8"),
      );
    }
    const settings = join(root, "etc/raftoral/raftoral.env");
    expect(readFileSync(settings, "utf8")).toContain("RAFTORAL_LISTEN=127.0.0.1:7001");
    writeFileSync(settings, "RAFTORAL_LISTEN=10.0.0.1:7001\n");
    expect(install().exitCode).toBe(0);
    expect(readFileSync(settings, "utf8")).toBe("RAFTORAL_LISTEN=10.0.0.1:7001\n");
    const missing = Bun.spawnSync([join(DEPLOY, "install.sh"), join(scratch, "nope")], { env });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr.toString()).toContain("run make build first");
  });
});

describe("containers", () => {
  test("docker-compose.yml is the QUICKSTART's three-node cluster", () => {
    const compose = Bun.YAML.parse(readFileSync(join(DEPLOY, "docker-compose.yml"), "utf8"));
    expect(compose).toEqual({
      services: {
        "raftoral-1": quickstartService(1),
        "raftoral-2": quickstartService(2),
        "raftoral-3": quickstartService(3),
      },
      volumes: { "raftoral-1-data": null, "raftoral-2-data": null, "raftoral-3-data": null },
    });
    expect(existsSync(join(DEPLOY, "..", "deploy/Dockerfile"))).toBe(true);
  });

  test("Dockerfile: bun from npm builds the Makefile's binary; the final stage holds only it", () => {
    const lines = readFileSync(join(DEPLOY, "Dockerfile"), "utf8")
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#"));
    const stages = lines.join("\n").split(/^(?=FROM )/m);
    expect(stages).toHaveLength(2);
    const [build = "", final = ""] = stages;
    expect(build).toStartWith("FROM node:20-bookworm-slim AS build");
    const bunVersion = /^BUN_VERSION := (\S+)$/m.exec(readFileSync(join(ROOT, "Makefile"), "utf8"));
    expect(build).toContain(`npm install --global --no-audit --no-fund bun@${bunVersion?.[1]}`);
    expect(build).toContain("bun install --frozen-lockfile");
    const entrypoints = /^COMPILE_ENTRYPOINTS := (.+)$/m.exec(
      readFileSync(join(ROOT, "Makefile"), "utf8"),
    );
    expect(build).toContain(`bun build --compile --minify --bytecode ${entrypoints?.[1]}`);
    for (const match of build.matchAll(/^COPY (?!--)(.+) \S+$/gm)) {
      for (const source of (match[1] ?? "").split(" ")) {
        expect(existsSync(join(ROOT, source))).toBe(true);
      }
    }
    const finalInstructions = final.split("\n").map((line) => line.split(" ")[0]);
    expect(finalInstructions).toEqual([
      "FROM",
      "COPY",
      "COPY",
      "USER",
      "VOLUME",
      "EXPOSE",
      "HEALTHCHECK",
      "ENTRYPOINT",
      "CMD",
    ]);
    expect(final).toContain("COPY --from=build /out/raftoral /usr/local/bin/raftoral");
    expect(final).toContain('ENTRYPOINT ["/usr/local/bin/raftoral"]');
    expect(final).toContain('CMD ["/usr/local/bin/raftoral", "node", "health"');
    const ignore = readFileSync(join(DEPLOY, "Dockerfile.dockerignore"), "utf8");
    for (const needed of ["package.json", "bun.lock", "tsconfig.json", "proto/", "src/"]) {
      expect(ignore).toContain(`!${needed}`);
    }
  });
});
