// deploy/: what can be checked without systemd running or a Docker daemon. The unit files
// (and the secured drop-in) go through `systemd-analyze verify` when it is installed (Debian's
// systemd package) and a structural check always; install.sh runs into a scratch root;
// docker-compose.yml is parsed (Bun.YAML) and compared with the QUICKSTART's cluster, and the
// secured compose file with the same cluster plus its security options; make-secrets.sh makes
// certificates and secrets that openssl verifies; the Dockerfile is checked stage by stage
// against the Makefile's build.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary, compileEntrypoints, ROOT } from "../support/compiled-binary.ts";

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

/**
 * The QUICKSTART's three services: listen/advertise/bootstrap-or-peers/storage, ports. The
 * first also names the others, so that back with an empty volume it joins them (start-plan.ts).
 */
function quickstartService(index: number): Record<string, unknown> {
  const peers = [
    "raftoral-2:7001,raftoral-3:7001",
    "raftoral-1:7001",
    "raftoral-1:7001,raftoral-2:7001",
  ][index - 1] as string;
  return {
    build: "..",
    command: [
      "--listen",
      "0.0.0.0:7001",
      "--advertise",
      `raftoral-${index}:7001`,
      ...(index === 1 ? ["--bootstrap"] : []),
      "--peers",
      peers,
      "--storage-path",
      "/data",
    ],
    restart: "on-failure",
    volumes: [`raftoral-${index}-data:/data`],
    ports: [`127.0.0.1:700${index}:7001`],
    ...(index === 1
      ? {}
      : {
          depends_on: Object.fromEntries(
            Array.from({ length: index - 1 }, (_, k) => [
              `raftoral-${k + 1}`,
              { condition: "service_healthy" },
            ]),
          ),
        }),
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
    // Set in the unit, so that the node does not relaunch itself to set it (cli/jit-tiers.ts).
    expect(value("Environment")).toBe("BUN_JSC_useFTLJIT=0");
    // A refused stale copy (exit 78) or damaged data (65) fails the same way at every start.
    expect(value("RestartPreventExitStatus")).toBe("65 78");
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
    // `build: ..` from deploy/, as the QUICKSTART's `build: .` from the root: the Dockerfile.
    expect(existsSync(join(ROOT, "Dockerfile"))).toBe(true);
  });

  test("Dockerfile: bun from npm builds the Makefile's binary; the final stage holds only it", () => {
    const lines = readFileSync(join(ROOT, "Dockerfile"), "utf8")
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
    expect(build).toContain(
      `bun build --compile --minify-whitespace --minify-syntax --bytecode ${compileEntrypoints().join(" ")}`,
    );
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
      "ENV",
      "ENV",
      "HEALTHCHECK",
      "ENTRYPOINT",
      "CMD",
    ]);
    expect(final).toContain("COPY --from=build /out/raftoral /usr/local/bin/raftoral");
    expect(final).toContain('ENTRYPOINT ["/usr/local/bin/raftoral"]');
    expect(final).toContain("ENV RAFTORAL_ADDRESS=127.0.0.1:7001");
    // Set in the image, so that the node does not relaunch itself to set it (cli/jit-tiers.ts).
    expect(final).toContain("ENV BUN_JSC_useFTLJIT=0");
    expect(final).toContain('CMD ["/usr/local/bin/raftoral", "node", "health"]');
    const ignore = readFileSync(join(ROOT, "Dockerfile.dockerignore"), "utf8");
    for (const needed of ["package.json", "bun.lock", "tsconfig.json", "proto/", "src/"]) {
      expect(ignore).toContain(`!${needed}`);
    }
  });
});

/** The options every node of the secured cluster gets, with the files mounted read-only. */
const SECURE_OPTIONS = [
  "--tls-cert",
  "/run/raftoral/node.pem",
  "--tls-key",
  "/run/raftoral/node.key",
  "--tls-ca",
  "/run/raftoral/ca.pem",
  "--tls-client-auth",
  "--cluster-secret-file",
  "/run/raftoral/cluster-secret",
  "--client-token-file",
  "/run/raftoral/client-token",
  "--admin-token-file",
  "/run/raftoral/admin-token",
];

describe("a secured deployment", () => {
  test("the systemd drop-in loads every file as a credential and passes it from %d", () => {
    const unit = parseUnit(readFileSync(join(DEPLOY, "raftoral-secure.conf"), "utf8"));
    expect([...unit.keys()]).toEqual(["Service"]);
    const service = unit.get("Service") as Map<string, string[]>;
    const files = [
      "ca.pem",
      "node.pem",
      "node.key",
      "cluster-secret",
      "client-token",
      "admin-token",
    ];
    expect(service.get("LoadCredential")).toEqual(
      files.map((file) => `${file}:/etc/raftoral/secrets/${file}`),
    );
    const [reset, execStart = ""] = service.get("ExecStart") ?? [];
    expect(reset).toBe("");
    const base = readFileSync(join(DEPLOY, "raftoral.service"), "utf8");
    const baseStart = /^ExecStart=(.+?) \$RAFTORAL_OPTIONS$/m.exec(base)?.[1] ?? "none";
    expect(execStart).toBe(
      `${baseStart} ${SECURE_OPTIONS.join(" ").replaceAll("/run/raftoral/", "%d/")} $RAFTORAL_OPTIONS`,
    );
  });

  test.skipIf(!hasSystemdAnalyze)(
    "systemd-analyze verify accepts the unit with the drop-in",
    () => {
      const unitDirectory = join(scratch, "secure-unit");
      const dropIns = join(unitDirectory, "raftoral.service.d");
      Bun.spawnSync(["mkdir", "-p", dropIns]);
      for (const [file, target] of [
        ["raftoral.service", join(unitDirectory, "raftoral.service")],
        ["raftoral-secure.conf", join(dropIns, "secure.conf")],
      ] as const) {
        const text = readFileSync(join(DEPLOY, file), "utf8");
        writeFileSync(target, text.replaceAll("/usr/local/bin/raftoral", compiledBinary()));
      }
      const result = Bun.spawnSync(
        ["systemd-analyze", "verify", join(unitDirectory, "raftoral.service")],
        {
          cwd: scratch,
        },
      );
      expect(result.stdout.toString() + result.stderr.toString()).toBe("");
      expect(result.exitCode).toBe(0);
    },
  );

  test("install.sh --secure adds the drop-in and a private directory for the secrets", () => {
    const root = join(scratch, "secure-root");
    const result = Bun.spawnSync([join(DEPLOY, "install.sh"), "--secure", compiledBinary()], {
      env: { ...process.env, DESTDIR: root, SYSTEMCTL: "true" },
      stdout: "pipe",
    });
    expect(result.exitCode).toBe(0);
    expect(
      readFileSync(join(root, "etc/systemd/system/raftoral.service.d/secure.conf"), "utf8"),
    ).toBe(readFileSync(join(DEPLOY, "raftoral-secure.conf"), "utf8"));
    expect(statSync(join(root, "etc/raftoral/secrets")).mode & 0o777).toBe(0o700);
    expect(result.stdout.toString()).toContain("cluster-secret, client-token, admin-token");
  });

  test("docker-compose.secure.yml is the QUICKSTART's cluster with every protection on", () => {
    const compose = Bun.YAML.parse(
      readFileSync(join(DEPLOY, "docker-compose.secure.yml"), "utf8"),
    ) as { services: Record<string, Record<string, unknown>>; volumes: unknown };
    expect(Object.keys(compose.services)).toEqual(["raftoral-1", "raftoral-2", "raftoral-3"]);
    for (const index of [1, 2, 3]) {
      const plain = quickstartService(index);
      const service = compose.services[`raftoral-${index}`] ?? {};
      expect(service.command).toEqual([...(plain.command as string[]), ...SECURE_OPTIONS]);
      const mounts = [
        "ca.pem:/run/raftoral/ca.pem",
        `raftoral-${index}.pem:/run/raftoral/node.pem`,
        `raftoral-${index}.key:/run/raftoral/node.key`,
        "cluster-secret:/run/raftoral/cluster-secret",
        "client-token:/run/raftoral/client-token",
        "admin-token:/run/raftoral/admin-token",
      ].map((mount) => `./secrets/${mount}:ro`);
      expect(service.volumes).toEqual([...(plain.volumes as string[]), ...mounts]);
      expect(service.ports).toEqual(plain.ports);
      expect(service.restart).toEqual(plain.restart);
      expect(service.depends_on).toEqual(plain.depends_on);
      expect(service.build).toEqual(plain.build);
      expect(JSON.stringify(service.healthcheck)).toContain('"grpcs://127.0.0.1:7001"');
    }
    expect(compose.volumes).toEqual({
      "raftoral-1-data": null,
      "raftoral-2-data": null,
      "raftoral-3-data": null,
    });
  });

  test("make-secrets.sh: certificates the CA signed for each name, private keys and secrets", () => {
    const directory = join(scratch, "secrets");
    const make = () =>
      Bun.spawnSync([join(DEPLOY, "make-secrets.sh"), directory, "raftoral-1", "raftoral-2"], {
        stdout: "pipe",
        stderr: "pipe",
      });
    expect(make().exitCode).toBe(0);
    const openssl = (...args: string[]) =>
      Bun.spawnSync(["openssl", ...args], { stdout: "pipe", stderr: "pipe" }).stdout.toString();
    for (const name of ["raftoral-1", "raftoral-2", "client"]) {
      const cert = join(directory, `${name}.pem`);
      expect(openssl("verify", "-CAfile", join(directory, "ca.pem"), cert)).toBe(`${cert}: OK\n`);
      expect(statSync(join(directory, `${name}.key`)).mode & 0o777).toBe(0o600);
    }
    expect(
      openssl("x509", "-in", join(directory, "raftoral-2.pem"), "-noout", "-ext", "subjectAltName"),
    ).toContain("DNS:raftoral-2, DNS:localhost, IP Address:127.0.0.1");
    const secret = readFileSync(join(directory, "cluster-secret"), "utf8");
    expect(secret).toMatch(/^[0-9a-f]{64}\n$/);
    for (const file of ["cluster-secret", "client-token", "admin-token", "ca.key"]) {
      expect(statSync(join(directory, file)).mode & 0o777).toBe(0o600);
    }
    // Again: nothing the cluster already uses changes.
    expect(make().exitCode).toBe(0);
    expect(readFileSync(join(directory, "cluster-secret"), "utf8")).toBe(secret);
  });
});
