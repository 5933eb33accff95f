// Why a file the command line names could not be read, in words that say what to do.

/** The reason for a failed read of `error`, e.g. "no such file". */
export function whyUnreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT"
    ? "no such file"
    : code === "EACCES"
      ? "permission denied; make it readable by the user raftoral runs as"
      : code === "EISDIR"
        ? "it is a directory"
        : (error as Error).message;
}
