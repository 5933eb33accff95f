import { describe, expect, test } from "bun:test";
import { WORKFLOW_LIST } from "../../test/contracts/fake-node-api.ts";
import { groupId } from "../lib/index.ts";
import { listedText, unavailableText } from "./list-output.ts";

describe("workflow list text", () => {
  test("an aligned table, newest first, then the command for the next page", () => {
    expect(listedText(WORKFLOW_LIST, "raftoral workflow list --limit 2")).toBe(
      [
        "WORKFLOW ID  NAME              STATUS     CLUSTER  OWNER  STARTED               FINISHED",
        "order-2      await_payment v1  waiting    2        1      2023-11-14 22:13:20Z  -",
        "order-1      await_payment v1  completed  1        2      2023-11-14 22:13:20Z  2023-11-14 22:13:20Z",
        "",
        "More workflows match. Next page:",
        "  raftoral workflow list --limit 2 --page-token MS4xNzAwMDAwMDAwMDAwLm9yZGVyLTE",
        "",
      ].join("\n"),
    );
  });

  test("an empty page says so; a complete one has no next page", () => {
    const empty = { workflows: [], unavailableClusters: [] };
    expect(listedText(empty, "raftoral workflow list")).toBe("No workflows match.\n");
    expect(unavailableText(empty)).toBe("");
    const partial = { workflows: [], unavailableClusters: WORKFLOW_LIST.unavailableClusters };
    expect(listedText(partial, "raftoral workflow list")).toBe(
      "No workflows match in the execution clusters that answered; 1 did not (the warning on stderr).\n",
    );
  });

  test("each cluster that did not answer is one warning line, naming the cluster once", () => {
    expect(unavailableText(WORKFLOW_LIST)).toBe(
      "warning: execution cluster 3 has no leader; its workflows are missing from this page\n",
    );
    const other = {
      executionClusterId: groupId(4),
      error: "read barrier timed out after 10000 ms",
    };
    expect(unavailableText({ ...WORKFLOW_LIST, unavailableClusters: [other] })).toBe(
      "warning: execution cluster 4 did not answer, its workflows are missing from this page: read barrier timed out after 10000 ms\n",
    );
  });
});
