// The console page's script, apart from the cluster panels (console-cluster.js): the refresh
// loop, the start form, the workflow list and the look-up. index.ts puts it inline into
// console.htm as a module (strict, run once the page is parsed).
const REFRESH_MS = 2000;
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("raftoral-token") || "";

async function call(path, init = {}) {
  const headers = { ...(init.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { ...init, headers });
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = JSON.parse(text).error || text;
    } catch {
      /* not JSON: keep the text */
    }
    const error = new Error(`${path}: ${response.status} ${message}`);
    error.status = response.status;
    throw error;
  }
  return text;
}
/** A failure another try may not meet: no answer at all (the node is down), or a 5xx. */
const isWorthRetrying = (error) => error.status === undefined || error.status >= 500;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const callJson = async (path, init) => JSON.parse(await call(path, init));

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fill(tbody, rows) {
  tbody.replaceChildren(
    ...rows.map(({ key, cells }) => {
      const tr = document.createElement("tr");
      tr.dataset.key = String(key);
      tr.append(...cells);
      return tr;
    }),
  );
}

async function refresh() {
  try {
    const [status, health, metrics] = await Promise.all([
      callJson("/cluster/status"),
      callJson("/cluster/health"),
      call("/metrics"),
    ]);
    renderCluster(status, health);
    renderMetrics(metrics, Date.now());
    // The page on screen stays fresh: its token holds its place whatever starts meanwhile.
    await listWorkflows();
    $("scraped-node").textContent = `(node ${status.node_id})`;
    $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    $("error").textContent = "";
  } catch (error) {
    $("error").textContent = `${error.message}; what is shown is from the last update`;
  } finally {
    setTimeout(refresh, REFRESH_MS);
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
      ? `Workflow ${started.workflow_id} completed: ${outcome.result}`
      : `Workflow ${started.workflow_id} failed: ${outcome.error}`;
    if ($("describe-id").value === started.workflow_id) void describe(started.workflow_id);
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
      return await callJson(`/workflow/wait?${query}`);
    } catch (error) {
      if (!isWorthRetrying(error)) throw error;
      out.textContent = `Workflow ${started.workflow_id}: ${error.message}; waiting again…`;
      await pause(REFRESH_MS);
    }
  }
}

const time = (ms) => (ms === null ? "–" : new Date(ms).toLocaleTimeString());

let describeTimer;

/** Shows the workflow, and keeps showing it fresh (every 2 s) until it has finished. */
async function describe(workflowId) {
  clearTimeout(describeTimer);
  const out = $("describe-result");
  // What an event or a cancel answered was about the workflow shown before.
  if ($("signal-form").dataset.workflowId !== workflowId) {
    $("signal-result").textContent = "";
    $("cancel-result").textContent = "";
  }
  try {
    const info = await callJson(
      `/workflow/describe?${new URLSearchParams({ workflow_id: workflowId })}`,
    );
    const summary = document.createElement("p");
    summary.id = "describe-status";
    summary.dataset.status = info.status;
    summary.textContent =
      `${info.name} v${info.version} · ${info.status} · cluster ${info.execution_cluster_id} · owner ${info.owner_node_id} · started ${time(info.started_at_ms)} · finished ${time(info.finished_at_ms)}${info.trace_id ? ` · trace ${info.trace_id}` : ""}` +
      (info.result !== null ? ` · result ${info.result}` : "") +
      (info.error !== null ? ` · error ${info.error_code || ""} ${info.error}` : "") +
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
        : "");
    const table = document.createElement("table");
    table.id = "timeline";
    const head = document.createElement("tr");
    head.append(
      ...["#", "Kind", "Name", "At", "Attempts", "Took", "Error"].map((text) => {
        const th = document.createElement("th");
        th.textContent = text;
        return th;
      }),
    );
    table.append(head);
    for (const checkpoint of info.checkpoints) {
      const tr = document.createElement("tr");
      tr.append(
        cell(String(checkpoint.seq)),
        cell(checkpoint.kind),
        cell(checkpoint.name),
        cell(time(checkpoint.at_ms)),
        cell(typeof checkpoint.attempts === "number" ? String(checkpoint.attempts) : ""),
        cell(typeof checkpoint.duration_ms === "number" ? `${checkpoint.duration_ms} ms` : ""),
        cell(checkpoint.error || "", checkpoint.error ? "down" : ""),
      );
      table.append(tr);
    }
    out.className = "";
    out.replaceChildren(summary, table);
    const isFinished = ["completed", "failed", "cancelled", "terminated"].includes(info.status);
    $("signal-form").hidden = isFinished;
    $("cancel-form").hidden = isFinished;
    if (!isFinished) describeTimer = setTimeout(() => describe(workflowId), REFRESH_MS);
    $("signal-form").dataset.workflowId = workflowId;
    $("cancel-form").dataset.workflowId = workflowId;
  } catch (error) {
    out.className = "";
    const isRetried = isWorthRetrying(error);
    out.textContent = isRetried ? `${error.message}; trying again` : error.message;
    if (isRetried) describeTimer = setTimeout(() => describe(workflowId), REFRESH_MS);
  }
}

const LIST_PAGE_SIZE = 20;
/** The token of each page shown so far: [undefined] is the first page; the last is shown. */
let listTokens = [undefined];
let listNext;

/** Shows the current page of the workflow list (the filters as they are in the form). */
async function listWorkflows() {
  const query = new URLSearchParams({ page_size: String(LIST_PAGE_SIZE) });
  if ($("list-status").value) query.set("status", $("list-status").value);
  if ($("list-name").value.trim()) query.set("name", $("list-name").value.trim());
  const token = listTokens.at(-1);
  if (token) query.set("page_token", token);
  try {
    const page = await callJson(`/workflow/list?${query}`);
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
  } catch (error) {
    $("list-note").className = "down";
    $("list-note").textContent = error.message;
  }
}

$("list-form").addEventListener("submit", (event) => {
  event.preventDefault();
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
    $("signal-result").textContent =
      `sent (event ${sent.event_id}${sent.duplicate ? ", a duplicate" : ""})`;
    await describe(workflowId);
  } catch (error) {
    $("signal-result").textContent = error.message;
  }
});

// Cancel: the workflow sees a CancelledError at its next step and may clean up; terminate
// ends it at once. Either way the description refreshes until it shows the end.
$("cancel-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const workflowId = $("cancel-form").dataset.workflowId;
  const verb = event.submitter?.value === "terminate" ? "terminate" : "cancel";
  const reason = $("cancel-reason").value.trim();
  try {
    const stopped = await callJson(`/workflow/${verb}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ workflow_id: workflowId, ...(reason === "" ? {} : { reason }) }),
    });
    $("cancel-result").textContent =
      `${verb === "cancel" ? "cancel asked" : "terminated"} (status ${stopped.status}${stopped.duplicate ? ", asked before" : ""})`;
    await describe(workflowId);
  } catch (error) {
    $("cancel-result").textContent = error.message;
  }
});

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  sessionStorage.setItem("raftoral-token", token);
});

void refresh();
