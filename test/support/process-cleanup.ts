// Cleanups that belong to the whole `bun test` process rather than to one test file (a binary
// compiled once and shared by every file). bun test does not run process "exit" hooks, so
// test/preload.ts runs these from a global afterAll.

const cleanups: (() => void)[] = [];

export function atTestProcessEnd(cleanup: () => void): void {
  cleanups.push(cleanup);
}

export function runTestProcessCleanups(): void {
  for (const cleanup of cleanups.splice(0)) cleanup();
}
