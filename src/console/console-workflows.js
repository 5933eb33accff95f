// The console page's script, apart from its calls (console-calls.js) and the cluster panels
// (console-cluster.js): the refresh loop, the start form, the workflow list and the look-up.
// index.ts puts it inline into console.htm as a module (strict, run once the page is parsed).
const REFRESH_MS = 2000;
/** While the tab is hidden, the page asks the node only this often. */
const HIDDEN_REFRESH_MS = 30_000;
/** The timeline shows this many of the newest steps: thousands would freeze the page. */
const TIMELINE_STEPS_MAX = 200;
/** A longer result or error is cut short in the summary; the whole is one click away. */
const VALUE_CHARS_MAX = 300;
const $ = (id) => document.getElementById(id);
/** How long to wait before asking the node again: longer while nobody looks at the tab. */
const refreshDelayMs = () =>
  document.visibilityState === "hidden" ? HIDDEN_REFRESH_MS : REFRESH_MS;

const cell = (text, className = "") => ({ text, className });

/**
 * Makes the table's rows those given, in order, matched to the rows shown by `key`. A row
 * already shown keeps its element and a cell whose text did not change is not touched: a
 * refresh that finds nothing new changes nothing, and text selected in a cell stays selected.
 */
function fill(tbody, rows) {
  const shown = new Map([...tbody.rows].map((tr) => [tr.dataset.key, tr]));
  rows.forEach(({ key, cells }, index) => {
    let tr = shown.get(String(key));
    if (!tr || tr.cells.length !== cells.length) {
      tr = document.createElement("tr");
      tr.dataset.key = String(key);
      tr.append(...cells.map(() => document.createElement("td")));
    }
    cells.forEach(({ text, className }, k) => {
      const td = tr.cells[k];
      if (td.textContent !== text) td.textContent = text;
      if (td.className !== className) td.className = className;
    });
    if (tbody.rows[index] !== tr) tbody.insertBefore(tr, tbody.rows[index] || null);
  });
  while (tbody.rows.length > rows.length) tbody.rows[rows.length].remove();
}

/** The text, cut short past VALUE_CHARS_MAX with a note of its whole length. */
const clip = (text) =>
  text.length <= VALUE_CHARS_MAX
    ? text
    : `${text.slice(0, VALUE_CHARS_MAX)}… (${text.length.toLocaleString()} characters)`;

let refreshTimer;

/** Forever, every REFRESH_MS: the cluster panels and the page of the list on screen. */
async function refresh() {
  refreshTimer = undefined;
  try {
    // The page on screen stays fresh: its token holds its place whatever starts meanwhile.
    const answers = await Promise.all([refreshCluster(), listWorkflows()]);
    if (answers.includes(true))
      $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } finally {
    refreshTimer = setTimeout(refresh, refreshDelayMs());
  }
}

$("start-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = $("start-result");
  out.className = "";
  try {
    const body = {
      name: $("start-name").value,
      version: Number($("start-version").value),
      input: $("start-input").value,
    };
    const started = await callJson("/workflow/execute", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    out.textContent = `Started ${body.name} v${body.version}: workflow ${started.workflow_id} in cluster ${started.execution_cluster_id}; waiting…`;
    $("describe-id").value = started.workflow_id;
    await describe(started.workflow_id);
    const outcome = await outcomeOf(started, out);
    out.dataset.status = outcome.success ? "completed" : "failed";
    out.textContent = outcome.success
      ? `Workflow ${started.workflow_id} completed: ${clip(outcome.result)}`
      : `Workflow ${started.workflow_id} failed: ${clip(outcome.error)}`;
    if (describedId === started.workflow_id) await describe(started.workflow_id);
  } catch (error) {
    out.dataset.status = "error";
    out.textContent = error.message;
  }
});

/** The started workflow's outcome, waited for again while its node does not answer. */
async function outcomeOf(started, out) {
  const query = new URLSearchParams({
    workflow_id: started.workflow_id,
    execution_cluster_id: started.execution_cluster_id,
    timeout_seconds: "60",
  });
  for (;;) {
    try {
      // The node answers by the wait's own timeout (60 s), or when the workflow ends.
      return await callJson(`/workflow/wait?${query}`, {}, 70_000);
    } catch (error) {
      if (!isWorthRetrying(error)) throw error;
      out.textContent = `Workflow ${started.workflow_id}: ${error.message}; waiting again…`;
      await pause(REFRESH_MS);
    }
  }
}

/**
 * A time of day when it is today, else the date too: a timer 25 h ahead reads as tomorrow,
 * not as an hour from now.
 */
function time(ms) {
  if (ms === null || ms === undefined) return "–";
  const at = new Date(ms);
  const clock = at.toLocaleTimeString();
  if (at.toDateString() === new Date().toDateString()) return clock;
  const pad = (n) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${clock}`;
}

let describeTimer;
/** The workflow the look-up shows, or is about to show. */
let describedId;
/** Counts look-ups: an answer to any but the latest is about what is no longer asked for. */
let describeGeneration = 0;

/** The Send event, Cancel and Terminate forms, for the workflow shown, or hidden. */
function showActions(workflowId, isShown) {
  for (const form of [$("signal-form"), $("cancel-form")]) {
    form.hidden = !isShown;
    if (isShown) form.dataset.workflowId = workflowId;
    else delete form.dataset.workflowId;
  }
}

/**
 * Shows the workflow, and keeps showing it fresh (every 2 s) until it has finished. A look-up
 * of another workflow replaces it: from then on, only answers about that one are shown.
 */
async function describe(workflowId) {
  clearTimeout(describeTimer);
  describeTimer = undefined;
  const generation = ++describeGeneration;
  const out = $("describe-result");
  if (workflowId !== describedId) {
    describedId = workflowId;
    // Until it answers, nothing on screen is about this workflow, and no form may act on the
    // one shown before. What an event or a cancel answered was about that one too.
    showActions(workflowId, false);
    $("signal-result").textContent = "";
    $("cancel-result").textContent = "";
    out.className = "muted";
    out.textContent = `Looking up ${workflowId}…`;
  }
  try {
    const info = await callJson(
      `/workflow/describe?${new URLSearchParams({ workflow_id: workflowId })}`,
    );
    if (generation !== describeGeneration) return;
    showDescription(info);
    const isFinished = ["completed", "failed", "cancelled", "terminated"].includes(info.status);
    showActions(workflowId, !isFinished);
    if (!isFinished) armDescribe(workflowId);
  } catch (error) {
    if (generation !== describeGeneration) return;
    out.className = "";
    const isRetried = isWorthRetrying(error);
    out.textContent = isRetried ? `${error.message}; trying again` : error.message;
    // Not found, or not allowed: the forms would act on a workflow that is not shown.
    if (isRetried) armDescribe(workflowId);
    else showActions(workflowId, false);
  }
}

function armDescribe(workflowId) {
  describeTimer = setTimeout(() => {
    describeTimer = undefined;
    void describe(workflowId);
  }, refreshDelayMs());
}

/** The summary line of a description; long values cut short (the whole is shown below it). */
function summaryOf(info) {
  return (
    `${info.name} v${info.version} · ${info.status} · cluster ${info.execution_cluster_id} · owner ${info.owner_node_id} · started ${time(info.started_at_ms)} · finished ${time(info.finished_at_ms)}${info.trace_id ? ` · trace ${info.trace_id}` : ""}` +
    (info.result !== null ? ` · result ${clip(info.result)}` : "") +
    (info.error !== null ? ` · error ${info.error_code || ""} ${clip(info.error)}` : "") +
    // An event wait with a timeout has a wake time too: the time it times out.
    (info.waiting_for
      ? (info.waiting_for_child
          ? ` · waiting for child workflow ${info.waiting_for_child}`
          : ` · waiting for event "${info.waiting_for}"`) +
        (info.wake_at_ms ? ` (times out ${time(info.wake_at_ms)})` : "")
      : info.wake_at_ms
        ? ` · sleeping until ${time(info.wake_at_ms)}`
        : "") +
    (info.cancel_requested_at_ms
      ? ` · cancel asked ${time(info.cancel_requested_at_ms)}${info.cancel_reason ? ` (${info.cancel_reason})` : ""}`
      : "")
  );
}

/** The parts of a description on screen, made once per workflow shown. */
function describeView() {
  const out = $("describe-result");
  if ($("describe-status")) return;
  const summary = document.createElement("p");
  summary.id = "describe-status";
  const values = document.createElement("div");
  values.id = "describe-values";
  const note = document.createElement("p");
  note.id = "timeline-note";
  note.className = "muted";
  const table = document.createElement("table");
  table.id = "timeline";
  const head = table.createTHead().insertRow();
  head.append(
    ...["#", "Kind", "Name", "At", "Attempts", "Took", "Error"].map((text) => {
      const th = document.createElement("th");
      th.textContent = text;
      return th;
    }),
  );
  table.createTBody();
  shownLongValues = "";
  out.className = "";
  out.replaceChildren(summary, values, note, table);
}

/** Each value too long for the summary, whole, in a closed details element. */
function showLongValues(info) {
  const long = [
    ["result", info.result],
    ["error", info.error],
  ].filter(([, value]) => value !== null && value.length > VALUE_CHARS_MAX);
  const values = $("describe-values");
  const key = long.map(([name, value]) => `${name}:${value}`).join("\n");
  if (shownLongValues === key) return;
  shownLongValues = key;
  values.replaceChildren(
    ...long.map(([name, value]) => {
      const details = document.createElement("details");
      const label = document.createElement("summary");
      label.textContent = `Whole ${name} (${value.length.toLocaleString()} characters)`;
      const pre = document.createElement("pre");
      pre.textContent = value;
      details.append(label, pre);
      return details;
    }),
  );
}
let shownLongValues = "";

/** Renders a description; what did not change since the last one is left as it is. */
function showDescription(info) {
  describeView();
  const summary = $("describe-status");
  const text = summaryOf(info);
  summary.dataset.status = info.status;
  if (summary.textContent !== text) summary.textContent = text;
  showLongValues(info);
  const steps = info.checkpoints.slice(-TIMELINE_STEPS_MAX);
  const hiddenCount = info.checkpoints.length - steps.length;
  const note =
    hiddenCount === 0
      ? ""
      : `The newest ${steps.length} of ${info.checkpoints.length} steps; ${hiddenCount} earlier ones are not shown (raftoral workflow describe lists them all).`;
  if ($("timeline-note").textContent !== note) $("timeline-note").textContent = note;
  fill(
    $("timeline").tBodies[0],
    steps.map((checkpoint) => ({
      key: checkpoint.seq,
      cells: [
        cell(String(checkpoint.seq)),
        cell(checkpoint.kind),
        cell(clip(callName(checkpoint))),
        cell(time(checkpoint.at_ms)),
        cell(typeof checkpoint.attempts === "number" ? String(checkpoint.attempts) : ""),
        cell(typeof checkpoint.duration_ms === "number" ? `${checkpoint.duration_ms} ms` : ""),
        cell(clip(checkpoint.error || ""), checkpoint.error ? "down" : ""),
      ],
    })),
  );
}

/** A call's name, and for a child it started the child's id, to look that one up by. */
function callName(checkpoint) {
  const child = checkpoint.child_workflow_id;
  return child ? `${checkpoint.name} → child ${child}` : checkpoint.name;
}

const LIST_PAGE_SIZE = 20;
/** The token of each page shown so far: [undefined] is the first page; the last is shown. */
let listTokens = [undefined];
let listNext;
/** The filters last submitted: a change in the form counts once Filter is pressed. */
let listFilter = { status: "", name: "" };
/** Counts list calls: only the latest one's answer is shown. */
let listGeneration = 0;

/** Shows the current page of the workflow list; true if the node answered. */
async function listWorkflows() {
  const generation = ++listGeneration;
  const query = new URLSearchParams({ page_size: String(LIST_PAGE_SIZE) });
  if (listFilter.status) query.set("status", listFilter.status);
  if (listFilter.name) query.set("name", listFilter.name);
  const token = listTokens.at(-1);
  if (token) query.set("page_token", token);
  try {
    const page = await callJson(`/workflow/list?${query}`);
    if (generation !== listGeneration) return true;
    fill(
      $("workflows").tBodies[0],
      page.workflows.map((w) => ({
        key: w.workflow_id,
        cells: [
          cell(w.workflow_id),
          cell(`${w.name} v${w.version}`),
          cell(
            w.status,
            w.status === "failed" ? "down" : w.status === "completed" ? "up" : "other",
          ),
          cell(w.execution_cluster_id),
          cell(String(w.owner_node_id)),
          cell(time(w.started_at_ms)),
          cell(time(w.finished_at_ms)),
        ],
      })),
    );
    listNext = page.next_page_token || undefined;
    $("list-next").disabled = listNext === undefined;
    $("list-previous").disabled = listTokens.length === 1;
    $("list-page").textContent = `page ${listTokens.length}`;
    const missing = page.unavailable_clusters.map(
      (c) => `cluster ${c.execution_cluster_id} (${c.error})`,
    );
    $("list-note").className = missing.length ? "down" : "muted";
    $("list-note").textContent = missing.length
      ? `Not listed, did not answer: ${missing.join("; ")}`
      : page.workflows.length
        ? ""
        : "No workflows match.";
    return true;
  } catch (error) {
    if (generation !== listGeneration) return false;
    $("list-note").className = "down";
    $("list-note").textContent = error.message;
    return false;
  }
}

$("list-form").addEventListener("submit", (event) => {
  event.preventDefault();
  listFilter = { status: $("list-status").value, name: $("list-name").value.trim() };
  listTokens = [undefined];
  void listWorkflows();
});
$("list-next").addEventListener("click", () => {
  if (listNext === undefined) return;
  listTokens.push(listNext);
  void listWorkflows();
});
$("list-previous").addEventListener("click", () => {
  if (listTokens.length > 1) listTokens.pop();
  void listWorkflows();
});
$("workflows").tBodies[0].addEventListener("click", (event) => {
  const row = event.target.closest("tr");
  if (!row) return;
  // A click that ends a selection is for copying, not for opening the workflow.
  if (!getSelection().isCollapsed) return;
  $("describe-id").value = row.dataset.key;
  void describe(row.dataset.key);
  $("describe-result").scrollIntoView({ block: "nearest" });
});

$("describe-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void describe($("describe-id").value.trim());
});

$("signal-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const workflowId = $("signal-form").dataset.workflowId;
  if (workflowId === undefined) return;
  try {
    const sent = await callJson("/workflow/signal", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        workflow_id: workflowId,
        name: $("signal-name").value,
        payload: $("signal-payload").value,
      }),
    });
    if (workflowId !== describedId) return;
    $("signal-result").textContent =
      `sent (event ${sent.event_id}${sent.duplicate ? ", a duplicate" : ""})`;
    await describe(workflowId);
  } catch (error) {
    if (workflowId === describedId) $("signal-result").textContent = error.message;
  }
});

// Cancel: the workflow sees a CancelledError at its next step and may clean up; terminate
// ends it at once. Either way the description refreshes until it shows the end.
$("cancel-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const workflowId = $("cancel-form").dataset.workflowId;
  if (workflowId === undefined) return;
  const verb = event.submitter?.value === "terminate" ? "terminate" : "cancel";
  const reason = $("cancel-reason").value.trim();
  try {
    const stopped = await callJson(`/workflow/${verb}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ workflow_id: workflowId, ...(reason === "" ? {} : { reason }) }),
    });
    if (workflowId !== describedId) return;
    $("cancel-result").textContent =
      `${verb === "cancel" ? "cancel asked" : "terminated"} (status ${stopped.status}${stopped.duplicate ? ", asked before" : ""})`;
    await describe(workflowId);
  } catch (error) {
    if (workflowId === describedId) $("cancel-result").textContent = error.message;
  }
});

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  useToken($("token").value.trim());
  refreshSoon();
});

/** Asks again now, instead of at the next turn, what waits for its timer (a hidden tab's). */
function refreshSoon() {
  if (refreshTimer !== undefined) {
    clearTimeout(refreshTimer);
    void refresh();
  }
  if (describeTimer !== undefined) {
    clearTimeout(describeTimer);
    void describe(describedId);
  }
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refreshSoon();
});

void refresh();
