// The web console in a real browser (Debian's Chromium driven by playwright-core, no browser
// download): three gRPC nodes serve it on --http-listen; the page must show the topology that
// `cluster status` reports, start a workflow and follow it to its result and its recorded
// steps, send an event to a waiting workflow, list workflows newest first (filters, Next and
// Previous, a row opens the detail view), ask again when its node does not answer a look-up or
// a wait, and show a killed node as down. Screenshots go to test-artifacts/console/. Where Chromium is not installed
// (`apt-get install chromium`), the test says so and is skipped.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { RaftoralClient } from "../../src/client/index.ts";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { ROOT } from "../support/compiled-binary.ts";
import { eventually, freePort } from "../support/ports.ts";

const CHROMIUM =
  process.env.CHROMIUM_PATH ?? Bun.which("chromium") ?? Bun.which("chromium-browser") ?? undefined;
const ARTIFACTS = join(ROOT, "test-artifacts", "console");
const FAST = { tickIntervalMs: 20, reconcileIntervalMs: 100, failureTimeoutMs: 60_000 };

if (CHROMIUM === undefined) {
  console.warn("console browser test skipped: no Chromium (apt-get install chromium)");
}

// The predicates below run in the page (the page's CSP forbids strings of script); this is
// the little of the DOM they use, as the project's types do not include the browser's.
interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & { readonly length: number };
};

/**
 * Runs a slow step, then waits for an "approve" event and returns its payload: the page first
 * sees it running, and must refresh to see it waiting.
 */
const approval = defineWorkflow("approval", 1, async (_: null, ctx) => {
  await ctx.step("prepare", () => new Promise<string>((done) => setTimeout(done, 1_000, "ok")));
  const event = await ctx.waitForEvent<string>("approve", { timeout: "1h" });
  return event.isTimedOut ? "timed out" : event.payload;
});

const nodes: { node: RaftoralNode; address: string; http: string }[] = [];
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  if (CHROMIUM === undefined) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  const logger = createLogger({ level: "error", format: "text", write: () => undefined });
  for (let index = 0; index < 3; index++) {
    const address = `127.0.0.1:${await freePort()}`;
    const http = `127.0.0.1:${await freePort()}`;
    const first = nodes[0];
    const node = new RaftoralNode({
      listen: address,
      httpListen: http,
      workflows: [approval],
      ...(first === undefined ? { bootstrap: true } : { peers: [first.address] }),
      transport: "grpc",
      logger,
      tuning: FAST,
    });
    nodes.push({ node, address, http });
    await node.start();
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(nodes.map(({ node }) => node.stop()));
});

/** The text of each row's cells in a table of the page. */
async function rows(table: string): Promise<string[][]> {
  return page.$$eval(`#${table} tbody tr`, (trs) =>
    trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
  );
}

/** The next call to `path` gets no answer, as from a node that restarts. */
async function failOnce(path: string): Promise<void> {
  let isFailed = false;
  await page.route(`**${path}*`, async (route) => {
    if (isFailed) return route.continue();
    isFailed = true;
    return route.abort("connectionrefused");
  });
}

/**
 * Starts ping_pong from the page while the node does not answer the first wait and the first
 * look-up: the page asks again and still follows the workflow to its end.
 */
async function startThroughFailedCalls(): Promise<void> {
  await failOnce("/workflow/wait");
  await failOnce("/workflow/describe");
  await page.click("#start-button");
  await page.waitForFunction(
    () => document.querySelector("#start-result")?.getAttribute("data-status") !== null,
    undefined,
    { timeout: 30_000 },
  );
  await page.unrouteAll();
}

/** A workflow that waits for an event: started from the page, then sent its event there. */
async function startAndSignalFromThePage(): Promise<void> {
  await page.fill("#start-name", "approval");
  await page.fill("#start-input", "null");
  await page.click("#start-button");
  await page.waitForFunction(
    () => document.querySelector("#describe-status")?.getAttribute("data-status") === "waiting",
  );
  // An event wait with a timeout says when it times out; it is not a sleep.
  const waiting = (await page.textContent("#describe-status")) ?? "";
  expect(waiting).toContain('waiting for event "approve" (times out ');
  expect(waiting).not.toContain("sleeping until");
  await page.fill("#signal-name", "approve");
  await page.fill("#signal-payload", '"yes"');
  await page.click("#signal-form button");
  await page.waitForFunction(
    () =>
      document.querySelector("#start-result")?.textContent?.includes('completed: "yes"') === true,
    undefined,
    { timeout: 30_000 },
  );
}

/** 21 workflows started by a client: the list shows them newest first, a page at a time. */
async function listFromThePage(address: string): Promise<void> {
  const client = new RaftoralClient(`grpc://${address}`);
  try {
    for (let k = 0; k <= 20; k++)
      await client.start("ping_pong", "ping", { workflowId: `listed-${k}` });
  } finally {
    await client.close();
  }
  // The list refreshes with the page: the newest started workflow comes first.
  await page.waitForFunction(
    () => document.querySelector("#workflows tbody tr")?.getAttribute("data-key") === "listed-20",
    undefined,
    { timeout: 15_000 },
  );
  const first = await rows("workflows");
  expect(first).toHaveLength(20);
  expect(first[0]?.slice(0, 2)).toEqual(["listed-20", "ping_pong v1"]);
  await page.click("#list-next");
  await page.waitForFunction(() => document.querySelector("#list-page")?.textContent === "page 2");
  const second = await rows("workflows");
  expect(second.map(([id]) => id)).toContain("listed-0");
  expect(second.map(([, name]) => name)).toContain("approval v1");
  await page.screenshot({ path: join(ARTIFACTS, "4-list.png"), fullPage: true });
  // A row opens the detail view.
  await page.click('#workflows tbody tr[data-key="listed-0"]');
  await page.waitForFunction(
    () =>
      document.querySelector("#describe-status")?.textContent?.includes("ping_pong v1") === true,
  );
  expect(await page.inputValue("#describe-id")).toBe("listed-0");
  await page.click("#list-previous");
  await page.waitForFunction(() => document.querySelector("#list-page")?.textContent === "page 1");
  // Filters go to the node: only the approval is by that name.
  await page.fill("#list-name", "approval");
  await page.selectOption("#list-status", "completed");
  await page.click("#list-form button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#workflows tbody tr").length === 1);
  expect((await rows("workflows"))[0]?.slice(1, 3)).toEqual(["approval v1", "completed"]);
  // Every status the CLI filters on, the page does too.
  await page.selectOption("#list-status", "cancelled");
  await page.click("#list-form button[type=submit]");
  await page.waitForFunction(
    () =>
      document.querySelector("#workflows tbody tr td:nth-child(3)")?.textContent === "cancelled",
  );
  expect((await rows("workflows")).map((row) => row.slice(1, 3))).toEqual([
    ["approval v1", "cancelled"],
  ]);
}

/** A workflow waiting for an event, cancelled from the page: it ends cancelled at once. */
async function startAndCancelFromThePage(): Promise<void> {
  await page.click("#start-button");
  await page.waitForFunction(
    () => document.querySelector("#describe-status")?.getAttribute("data-status") === "waiting",
  );
  // The event sent to the workflow shown before is not shown under this one.
  expect(await page.textContent("#signal-result")).toBe("");
  await page.fill("#cancel-reason", "not needed");
  await page.click("#cancel-button");
  await page.waitForFunction(
    () => document.querySelector("#describe-status")?.getAttribute("data-status") === "cancelled",
    undefined,
    { timeout: 30_000 },
  );
  await page.waitForFunction(
    () => document.querySelector("#start-result")?.textContent?.includes("failed") === true,
    undefined,
    { timeout: 30_000 },
  );
  expect(await page.textContent("#start-result")).toContain("was cancelled: not needed");
  expect(await page.isHidden("#cancel-form")).toBe(true);
}

test.skipIf(CHROMIUM === undefined)(
  "the console shows the cluster, runs a workflow, and shows a killed node down",
  async () => {
    const console1 = nodes[0];
    if (console1 === undefined) throw new Error("no node started");
    const client = new RaftoralClient(`grpc://${console1.address}`);
    await eventually("three voters in execution cluster 1", () => {
      const group = console1.node.managementState().groups.get(1 as never);
      return group?.voters.length === 3;
    });
    const status = await client.status();
    await client.close();

    // Nothing the page loads or calls fails (an icon it does not have, a refused call).
    const failed: string[] = [];
    page.on("response", (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(`http://${console1.http}/ui/`);
    await page.waitForFunction(() => document.querySelectorAll("#nodes tbody tr").length === 3);
    await page.waitForFunction(() =>
      [...document.querySelectorAll("#nodes td.state")].every((td) => td.textContent === "up"),
    );
    const shown = await rows("nodes");
    expect(shown.map(([id, address]) => [Number(id), address])).toEqual(
      status.nodes.map((node) => [node.nodeId, node.address]),
    );
    const leader = status.nodes.find((node) => node.isManagementLeader);
    expect(shown.find(([id]) => Number(id) === leader?.nodeId)?.[2]).toContain("(leader)");
    const clusters = await rows("clusters");
    expect(clusters.map(([id]) => id)).toEqual(status.groups.map((group) => String(group.groupId)));
    expect(clusters.map((row) => row[6])).toEqual(status.groups.map(() => "serving"));
    await page.screenshot({ path: join(ARTIFACTS, "1-cluster.png"), fullPage: true });

    await startThroughFailedCalls();
    expect(await page.getAttribute("#start-result", "data-status")).toBe("completed");
    expect(await page.textContent("#start-result")).toContain('completed: "pong"');
    await page.waitForFunction(
      () => document.querySelector("#describe-status")?.getAttribute("data-status") === "completed",
    );
    expect(await page.$$eval("#timeline tr", (trs) => trs.length)).toBeGreaterThan(1);
    await page.screenshot({ path: join(ARTIFACTS, "2-workflow.png"), fullPage: true });

    await startAndSignalFromThePage();
    await page.screenshot({ path: join(ARTIFACTS, "3-event.png"), fullPage: true });
    await startAndCancelFromThePage();
    await page.screenshot({ path: join(ARTIFACTS, "3b-cancelled.png"), fullPage: true });

    await listFromThePage(console1.address);

    const victim = nodes[2];
    if (victim === undefined) throw new Error("no third node");
    const victimId = String(victim.node.nodeId);
    await victim.node.kill();
    await page.waitForFunction(
      (id) =>
        document.querySelector(`#nodes tbody tr[data-key="${id}"] td.state`)?.textContent ===
        "down",
      victimId,
      { timeout: 30_000 },
    );
    expect(await page.textContent("#nodes-up")).toBe("2 / 3");
    await page.screenshot({ path: join(ARTIFACTS, "5-node-down.png"), fullPage: true });
    expect(failed).toEqual([]);
  },
  120_000,
);
