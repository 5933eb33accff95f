import { describe, expect, test } from "bun:test";
import { DESCRIBED_STATUSES } from "../workflow/index.ts";
import { parseClientArgs } from "./client-args.ts";
import { WORKFLOW_LIST_HELP } from "./client-help.ts";

function filterOf(argv: string[]) {
  const parsed = parseClientArgs(["workflow", "list", ...argv]);
  if (parsed.kind !== "command" || parsed.command.kind !== "workflow-list") {
    throw new Error(`expected a list command, got ${JSON.stringify(parsed)}`);
  }
  return parsed.command.filter;
}

function failure(argv: string[]): string {
  const parsed = parseClientArgs(["workflow", "list", ...argv]);
  if (parsed.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(parsed)}`);
  return parsed.message;
}

describe("raftoral workflow list options", () => {
  test("no option lists everything with the node's default page", () => {
    expect(filterOf([])).toEqual({ statuses: [] });
  });

  test("statuses repeat or come as a comma list; every other option is read as typed", () => {
    const argv = [
      "--status",
      "running,waiting",
      "-s",
      "failed",
      "--status",
      "running",
      "--name",
      "007",
      "--after",
      "1767225600000",
      "--before",
      "1767225700000",
      "--limit",
      "20",
      "--page-token",
      "MS41LnctMQ",
      "--cluster",
      "02",
    ];
    expect(filterOf(argv)).toEqual({
      statuses: ["running", "waiting", "failed"],
      name: "007",
      startedAfterMs: 1_767_225_600_000,
      startedBeforeMs: 1_767_225_700_000,
      pageSize: 20,
      pageToken: "MS41LnctMQ",
      cluster: "2",
    });
  });

  test("--after at or past --before is refused in the flags' names, before any call", () => {
    expect(failure(["--after", "100", "--before", "50"])).toBe(
      "--after (100) must be before --before (50): nothing starts between; see raftoral workflow list --help",
    );
    expect(failure(["--after", "50", "--before", "50"])).toContain("--after (50)");
    expect(filterOf(["--after", "50", "--before", "51"])).toMatchObject({ startedAfterMs: 50 });
  });

  test("--since is a duration, counted back from when the command runs", () => {
    expect(filterOf(["--since", "15m"])).toEqual({ statuses: [], sinceMs: 900_000 });
    expect(filterOf(["--since", "2h", "-l", "5"])).toMatchObject({ sinceMs: 7_200_000 });
    expect(filterOf(["--since", "60"])).toMatchObject({ sinceMs: 60_000 });
  });

  test.each([
    [
      ["--status", "done"],
      "--status 'done' is not one of running, sleeping, waiting, completed, failed",
    ],
    [["--since", "1h", "--after", "5"], "--since and --after both set where the list starts"],
    [
      ["--since", "soon"],
      "--since takes a duration such as 90s, 15m, 1h or 7d (a bare number is seconds); got 'soon'",
    ],
    [["--after", "yesterday"], "--after 'yesterday' must be a time in epoch milliseconds"],
    [["--before", "0"], "--before '0' must be a time in epoch milliseconds, 1 or more"],
    [["--limit", "0"], "--limit '0' must be a whole number from 1 to 1000 (default 50)"],
    [["--limit", "1001"], "from 1 to 1000"],
    [["--cluster", "0"], "--cluster '0' must be an execution cluster ID, 1 or more"],
    [["--name", "a", "--name", "b"], "--name <NAME> was given more than once"],
    [["extra"], "unexpected argument 'extra'"],
    [["--status"], "--status needs a value"],
  ])("%j is a usage error naming the option", (argv, expected) => {
    const message = failure(argv);
    expect(message).toContain(expected);
    expect(message).toContain("see raftoral workflow list --help");
  });

  test("--help prints the list's own help, and the workflow help names the command", () => {
    const help = parseClientArgs(["workflow", "list", "--help"]);
    expect(help).toMatchObject({ kind: "help" });
    expect(help.kind === "help" && help.text).toContain("raftoral workflow list - list workflows");
    const group = parseClientArgs(["workflow", "--help"]);
    expect(group.kind === "help" && group.text).toContain("list                List workflows");
  });
});

test("the list's help names every status --status takes", () => {
  const option = WORKFLOW_LIST_HELP.slice(WORKFLOW_LIST_HELP.indexOf("--status <STATUS>"));
  const text = option.slice(0, option.indexOf("-n, --name")).replace(/\s+/g, " ");
  for (const status of DESCRIBED_STATUSES) expect(text).toMatch(new RegExp(`\\b${status}\\b`));
});
