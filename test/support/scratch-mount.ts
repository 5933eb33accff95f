// A small tmpfs of its own for tests that need a file system to fill up or turn read-only.
// Mounting needs root (or CAP_SYS_ADMIN); where that is refused, tryTmpfs says why, and the
// test skips that case with the reason printed. remove() unmounts and deletes everything.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export class ScratchMount {
  private mountPoint: string | undefined;

  /** Mounts a tmpfs of `size` (e.g. "2m"); `directory` is set when it worked. */
  tryTmpfs(size: string): { directory?: string; reason?: string } {
    const directory = mkdtempSync(join(tmpdir(), "raftoral-tmpfs-"));
    const mounted = run([
      "mount",
      "-t",
      "tmpfs",
      "-o",
      `size=${size},mode=0700`,
      "tmpfs",
      directory,
    ]);
    if (mounted !== undefined) {
      rmSync(directory, { recursive: true, force: true });
      return { reason: `cannot mount a tmpfs here (${mounted})` };
    }
    this.mountPoint = directory;
    return { directory };
  }

  /** Remounts the tmpfs read-only; returns what makes it writable again. */
  remountReadOnly(): () => void {
    const directory = this.mountPoint;
    if (directory === undefined) throw new Error("no tmpfs is mounted");
    const failed = run(["mount", "-o", "remount,ro", directory]);
    if (failed !== undefined) throw new Error(`remount read-only failed: ${failed}`);
    return () => {
      const again = run(["mount", "-o", "remount,rw", directory]);
      if (again !== undefined) throw new Error(`remount read-write failed: ${again}`);
    };
  }

  /** Unmounts (lazily if something still holds it) and deletes the mount point. */
  remove(): void {
    const directory = this.mountPoint;
    if (directory === undefined) return;
    this.mountPoint = undefined;
    if (run(["umount", directory]) !== undefined) {
      const lazy = run(["umount", "-l", directory]);
      if (lazy !== undefined) throw new Error(`cannot unmount ${directory}: ${lazy}`);
    }
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Runs `command`; undefined when it succeeded, else what it printed. */
function run(command: string[]): string | undefined {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode === 0) return undefined;
  return `${command.join(" ")}: ${result.stderr.toString().trim() || `exit ${result.exitCode}`}`;
}
