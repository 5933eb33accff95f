// The first words of the command line that select a client subcommand rather than the server.
// Its own small file: main.ts decides with it before loading either side.

export const CLIENT_GROUPS: ReadonlySet<string> = new Set(["workflow", "cluster", "node"]);

/**
 * The error for a first word that is no command (the server's command line takes no words):
 * names the commands, and the one meant when `word` is a slip of one or two letters away.
 */
export function unknownCommandMessage(word: string): string {
  const meant = meantWord(word, CLIENT_GROUPS);
  const guess = meant === undefined ? "." : `; did you mean '${meant}'?`;
  return `Unknown command '${word}'${guess} The commands are ${[...CLIENT_GROUPS].join(", ")} (raftoral --help lists them); a node starts with raftoral --listen <ADDRESS>`;
}

/** Of `words`, the one `word` is a slip of one or two letters away from, if any. */
export function meantWord(word: string, words: Iterable<string>): string | undefined {
  return [...words].find((candidate) => editDistance(word.toLowerCase(), candidate) <= 2);
}

/** Levenshtein distance: the fewest inserted, deleted or replaced letters from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const replaced = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(replaced, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
