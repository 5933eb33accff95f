// The web console in a real browser (Debian's Chromium through playwright-core), on one gRPC
// node with a client and an admin token: what it shows stays about what was asked for, and
// stays usable. A failed look-up leaves no form acting on the workflow shown before; an answer
// about a workflow no longer asked for is dropped; the list loads with only the client token;
// a refresh that finds nothing new keeps what is selected; a time not today shows its date;
// long values and ids wrap or are cut short; a long timeline shows its newest steps; a refresh
// uses the filter last submitted; a call that started a child names it. Where Chromium is not installed, the tests are skipped.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Browser, chromium, type Page, type Request } from "playwright-core";
import { RaftoralClient } from "../../src/client/index.ts";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { eventually, freePort } from "../support/ports.ts";

const CHROMIUM =
  process.env.CHROMIUM_PATH ?? Bun.which("chromium") ?? Bun.which("chromium-browser") ?? undefined;
const FAST = { tickIntervalMs: 20, reconcileIntervalMs: 100, failureTimeoutMs: 60_000 };
const SECURITY = {
  clusterSecret: "cluster-secret-for-console-tests-1",
  clientToken: "client-token-for-console-tests-01",
  adminToken: "admin-token-for-console-tests-001",
};
/** Steps of the `many` workflow: more than the 200 the timeline shows. */
const MANY_STEPS = 250;
const LONG_RESULT_CHARS = 300_000;
const TEST_TIMEOUT_MS = 60_000;

if (CHROMIUM === undefined) {
  console.warn("console browser tests skipped: no Chromium (apt-get install chromium)");
}

// The functions below run in the page (its CSP forbids strings of script); this is the little
// of the DOM they use, as the project's types do not include the browser's.
interface PageElement {
  readonly textContent: string | null;
  readonly scrollWidth: number;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
}
declare const document: {
  readonly documentElement: PageElement;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  createRange(): { selectNodeContents(node: PageElement): void };
};
declare function getSelection(): {
  toString(): string;
  removeAllRanges(): void;
  addRange(range: unknown): void;
};
declare const innerWidth: number;

const waiter = defineWorkflow("waiter", 1, async (_: null, ctx) => {
  const event = await ctx.waitForEvent<string>("go", { timeout: "1h" });
  return event.isTimedOut ? "timed out" : event.payload;
});
const many = defineWorkflow("many", 1, async (steps: number, ctx) => {
  for (let k = 0; k < steps; k++) await ctx.step(`s${k}`, async () => k);
  await ctx.waitForEvent<string>("go", { timeout: "1h" });
  return "done";
});
const long = defineWorkflow("long", 1, async (_: null) => "A".repeat(LONG_RESULT_CHARS));
const nap = defineWorkflow("nap", 1, async (_: null, ctx) => {
  await ctx.sleep("25h");
  return "woke";
});
const parent = defineWorkflow("parent", 1, async (_: null, ctx) => {
  const child = await ctx.startChild(nap, null, { workflowId: "napping-child" });
  return await child.result();
});

let node: RaftoralNode;
let address: string;
let http: string;
let client: RaftoralClient;
let browser: Browser | undefined;

beforeAll(async () => {
  if (CHROMIUM === undefined) return;
  address = `127.0.0.1:${await freePort()}`;
  http = `127.0.0.1:${await freePort()}`;
  node = new RaftoralNode({
    listen: address,
    httpListen: http,
    bootstrap: true,
    workflows: [waiter, many, long, nap, parent],
    transport: "grpc",
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    tuning: FAST,
    security: SECURITY,
  });
  await node.start();
  client = new RaftoralClient(`grpc://${address}`, { token: SECURITY.adminToken });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await client?.close();
  await node?.stop();
});

/** A new tab on the console with `token` pasted into its Access box. */
async function openConsole(token = SECURITY.adminToken): Promise<Page> {
  if (browser === undefined) throw new Error("no browser");
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`http://${http}/ui`);
  await page.fill("#token", token);
  await page.click("#token-form button");
  return page;
}

async function lookUp(page: Page, workflowId: string): Promise<void> {
  await page.fill("#describe-id", workflowId);
  await page.click("#describe-form button");
}

async function waitForStatus(page: Page, status: string): Promise<void> {
  await page.waitForFunction(
    (wanted) => document.querySelector("#describe-status")?.getAttribute("data-status") === wanted,
    status,
  );
}

/**
 * Resolves once the page has made `count` more calls whose path is `path`. The page asks
 * again only after it has shown the answer before: `count` calls from now, at least
 * `count - 1` answers have been shown since this was called.
 */
function calls(page: Page, path: string, count: number): Promise<Request[]> {
  const seen: Request[] = [];
  return new Promise((resolve) => {
    const onRequest = (request: Request) => {
      if (new URL(request.url()).pathname !== path) return;
      seen.push(request);
      if (seen.length < count) return;
      page.off("request", onRequest);
      resolve(seen);
    };
    page.on("request", onRequest);
  });
}

/** How many calls the workflow has recorded once it waits for an event (polled, 60 s at most). */
async function recordedWhenWaiting(workflowId: string): Promise<number> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const info = await client.describe(workflowId);
    if (info.status === "waiting") return info.checkpoints.length;
    if (performance.now() > deadline) throw new Error(`${workflowId} is still ${info.status}`);
    await Bun.sleep(50);
  }
}

/** Runs `body` on a new console tab, closed whatever happens. */
async function withConsole(body: (page: Page) => Promise<void>, token?: string): Promise<void> {
  const page = await openConsole(token);
  try {
    await body(page);
  } finally {
    await page.close();
  }
}

const browserTest = test.skipIf(CHROMIUM === undefined);

browserTest(
  "a failed look-up leaves no form that acts on the workflow shown before",
  () =>
    withConsole(async (page) => {
      await client.start("waiter", null, { workflowId: "forms-a" });
      await lookUp(page, "forms-a");
      await waitForStatus(page, "waiting");
      expect(await page.isVisible("#cancel-form")).toBe(true);
      await lookUp(page, "no-such-workflow");
      await page.waitForFunction(
        () => document.querySelector("#describe-result")?.textContent?.includes("404") === true,
      );
      expect(await page.isHidden("#cancel-form")).toBe(true);
      expect(await page.isHidden("#signal-form")).toBe(true);
      expect(await page.getAttribute("#cancel-form", "data-workflow-id")).toBeNull();
      expect(await page.getAttribute("#signal-form", "data-workflow-id")).toBeNull();
    }),
  TEST_TIMEOUT_MS,
);

browserTest(
  "with only the client token the list loads; the cluster panels say why not",
  () =>
    withConsole(async (page) => {
      await client.start("waiter", null, { workflowId: "listed-with-client-token" });
      await page.waitForFunction(
        () => document.querySelector('#workflows tr[data-key="listed-with-client-token"]') !== null,
        undefined,
        { timeout: 10_000 },
      );
      await page.waitForSelector(".cluster-note", { state: "visible" });
      const notes = await page.$$eval(".cluster-note", (ps) => ps.map((p) => p.textContent ?? ""));
      expect(notes).toHaveLength(3);
      for (const note of notes) expect(note).toContain("Needs the admin token");
      expect(await page.textContent("#error")).toBe("");
    }, SECURITY.clientToken),
  TEST_TIMEOUT_MS,
);

browserTest(
  "a panel refused for want of the admin token is not asked again at every refresh",
  () =>
    withConsole(async (page) => {
      await page.waitForSelector(".cluster-note", { state: "visible" });
      let asked = 0;
      page.on("request", (request) => {
        if (new URL(request.url()).pathname === "/cluster/status") asked++;
      });
      // Three list refreshes (2 s apart): before, each asked /cluster/status again, and each
      // refusal was an error in the browser's console.
      await calls(page, "/workflow/list", 3);
      expect(asked).toBe(0);
      const notes = await page.$$eval(".cluster-note", (ps) => ps.map((p) => p.textContent ?? ""));
      for (const note of notes) expect(note).toContain("Needs the admin token");
    }, SECURITY.clientToken),
  TEST_TIMEOUT_MS,
);

browserTest(
  "a node that refuses connections is said not to answer, not 'Failed to fetch'",
  () =>
    withConsole(async (page) => {
      await page.waitForSelector("#nodes tbody tr");
      await page.route("**/cluster/status", (route) => route.abort("connectionrefused"));
      await page.waitForFunction(
        () =>
          document
            .querySelector("#error")
            ?.textContent?.startsWith("/cluster/status: the node does not answer (") === true,
        undefined,
        { timeout: 20_000 },
      );
    }),
  TEST_TIMEOUT_MS,
);

browserTest(
  "an answer about the workflow shown before does not replace the one asked for",
  () =>
    withConsole(async (page) => {
      await client.start("waiter", null, { workflowId: "race-a" });
      await client.run("ping_pong", "ping", { workflowId: "race-b" });
      await lookUp(page, "race-a");
      await waitForStatus(page, "waiting");
      // A's next refresh is held, as by a busy node, until B has been looked up.
      const held: { release: () => Promise<void> }[] = [];
      await page.route("**/workflow/describe?workflow_id=race-a*", (route) => {
        held.push({ release: () => route.continue() });
      });
      await eventually("a refresh of race-a in flight", () => held.length === 1);
      await lookUp(page, "race-b");
      await page.waitForFunction(
        () =>
          document.querySelector("#describe-status")?.textContent?.startsWith("ping_pong") === true,
      );
      const afterRelease = calls(page, "/workflow/list", 3);
      await held[0]?.release();
      // Three list refreshes later, A's late answer has long been handled (and in the old page
      // had started A's refreshes again).
      await afterRelease;
      expect(await page.textContent("#describe-status")).toStartWith("ping_pong v1");
      expect(await page.getAttribute("#describe-status", "data-status")).toBe("completed");
      expect(held).toHaveLength(1);
    }),
  TEST_TIMEOUT_MS,
);

browserTest(
  "text selected in the tables stays selected across refreshes",
  () =>
    withConsole(async (page) => {
      await client.run("ping_pong", "ping", { workflowId: "selected-1" });
      await page.waitForSelector('#workflows tr[data-key="selected-1"]');
      await page.waitForSelector("#nodes tbody tr");
      for (const [cellSelector, path] of [
        ['#workflows tr[data-key="selected-1"] td', "/workflow/list"],
        ["#nodes tbody tr td:nth-child(2)", "/cluster/status"],
      ] as const) {
        const selected = await page.evaluate((selector) => {
          const td = document.querySelector(selector);
          if (td === null) return "";
          const range = document.createRange();
          range.selectNodeContents(td);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
          return getSelection().toString();
        }, cellSelector);
        expect(selected).not.toBe("");
        await calls(page, path, 2);
        expect(await page.evaluate(() => getSelection().toString())).toBe(selected);
      }
    }),
  TEST_TIMEOUT_MS,
);

browserTest(
  "a time that is not today shows its date",
  () =>
    withConsole(async (page) => {
      await client.start("nap", null, { workflowId: "nap-25h" });
      await lookUp(page, "nap-25h");
      await waitForStatus(page, "sleeping");
      const { wakeAtMs } = await client.describe("nap-25h");
      if (wakeAtMs === undefined) throw new Error("nap-25h has no wake time");
      const date = await page.evaluate((ms) => {
        const at = new Date(ms);
        const pad = (n: number) => String(n).padStart(2, "0");
        return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
      }, wakeAtMs);
      expect(await page.textContent("#describe-status")).toContain(`sleeping until ${date} `);
    }),
  TEST_TIMEOUT_MS,
);

browserTest(
  "a long result and a long id neither widen the page nor fill the summary",
  () =>
    withConsole(async (page) => {
      const workflowId = `long-${"x".repeat(123)}`;
      await client.run("long", null, { workflowId });
      await page.waitForSelector(`#workflows tr[data-key="${workflowId}"]`);
      await lookUp(page, workflowId);
      await waitForStatus(page, "completed");
      const sizes = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        window: innerWidth,
        summary: document.querySelector("#describe-status")?.textContent?.length ?? 0,
      }));
      expect(sizes.page).toBeLessThanOrEqual(sizes.window);
      expect(sizes.summary).toBeLessThan(2_000);
      // The JSON of the string (its quotes too), counted as the page's locale writes numbers.
      const length = LONG_RESULT_CHARS + 2;
      const whole = `${await page.evaluate((n) => n.toLocaleString(), length)} characters`;
      expect(await page.textContent("#describe-status")).toContain(whole);
      expect(await page.textContent("#describe-values summary")).toContain(whole);
      expect(await page.$eval("#describe-values pre", (pre) => pre.textContent?.length)).toBe(
        length,
      );
    }),
  TEST_TIMEOUT_MS,
);

browserTest(
  "a long timeline shows its newest steps, and a refresh leaves it as it is",
  () =>
    withConsole(async (page) => {
      await client.start("many", MANY_STEPS, { workflowId: "many-steps" });
      const recorded = await recordedWhenWaiting("many-steps");
      expect(recorded).toBeGreaterThan(200);
      await lookUp(page, "many-steps");
      await waitForStatus(page, "waiting");
      // The head row and the newest 200 steps.
      expect(await page.$$eval("#timeline tr", (trs) => trs.length)).toBe(201);
      expect(await page.textContent("#timeline-note")).toContain(
        `The newest 200 of ${recorded} steps; ${recorded - 200} earlier ones are not shown`,
      );
      await page.evaluate(() => {
        const rows = document.querySelectorAll("#timeline tr");
        rows[rows.length - 1]?.setAttribute("data-marked", "yes");
      });
      await calls(page, "/workflow/describe", 2);
      const marked = await page.evaluate(() => {
        const rows = document.querySelectorAll("#timeline tr");
        return rows[rows.length - 1]?.getAttribute("data-marked");
      });
      expect(marked).toBe("yes");
    }),
  TEST_TIMEOUT_MS,
);

browserTest(
  "the timeline names the child a call started",
  () =>
    withConsole(async (page) => {
      await client.start("parent", null, { workflowId: "parent-of-napper" });
      await lookUp(page, "parent-of-napper");
      await waitForStatus(page, "waiting");
      expect(await page.textContent("#timeline")).toContain("nap → child napping-child");
    }),
  TEST_TIMEOUT_MS,
);

browserTest(
  "a refresh of the list uses the filter last submitted",
  () =>
    withConsole(async (page) => {
      await page.waitForSelector("#workflows tbody tr");
      await page.selectOption("#list-status", "waiting");
      const [next] = await calls(page, "/workflow/list", 1);
      expect(new URL(next?.url() ?? "http://x/").searchParams.get("status")).toBeNull();
    }),
  TEST_TIMEOUT_MS,
);

browserTest(
  "a group with no leader that this node does not host is not shown as serving",
  () =>
    withConsole(async (page) => {
      // As a node that does not host the group answers: no leaderless time of its own, and the
      // leader its members reported, none. Before, the state cell said "serving".
      let managementLeader = 1;
      await page.route("**/cluster/status", async (route) => {
        const response = await route.fetch();
        const status = await response.json();
        status.management_leader_node_id = managementLeader;
        for (const group of status.execution_clusters) {
          group.leader_node_id = 0;
          delete group.leaderless_ms;
        }
        await route.fulfill({ response, json: status });
      });
      const stateIs = (wanted: string) =>
        page.waitForFunction(
          (text) =>
            document.querySelector("#clusters tbody tr td:nth-child(7)")?.textContent === text,
          wanted,
        );
      await stateIs("no leader, as its members report");
      managementLeader = 0;
      await stateIs("unknown: this node hears no management leader");
    }),
  TEST_TIMEOUT_MS,
);

browserTest(
  "a node that holds its calls unanswered (stopped, cut off) is said not to answer",
  () =>
    withConsole(async (page) => {
      await page.waitForSelector("#nodes tbody tr");
      // Never answered, as by a node under SIGSTOP: before, the page kept showing its last
      // update as current, with nothing said.
      await page.route("**/cluster/status", () => undefined);
      await page.waitForFunction(
        () =>
          document
            .querySelector("#error")
            ?.textContent?.includes(
              "/cluster/status: the node did not answer within 10 s; what is shown is from the last update",
            ) === true,
        undefined,
        { timeout: 40_000 },
      );
    }),
  TEST_TIMEOUT_MS,
);
