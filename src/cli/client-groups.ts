// The first words of the command line that select a client subcommand rather than the server.
// Its own small file: main.ts decides with it before loading either side.

export const CLIENT_GROUPS: ReadonlySet<string> = new Set(["workflow", "cluster", "node"]);
