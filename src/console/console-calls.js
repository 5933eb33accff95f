// The console page's calls to its node (the first part of the page's script, index.ts): the
// token they carry, their deadlines, and what they say when the node does not answer.

/** The token the calls carry: the one pasted under Access, kept for the tab's session. */
let token = sessionStorage.getItem("raftoral-token") || "";

// biome-ignore lint/correctness/noUnusedVariables: console-workflows.js calls it (index.ts joins them)
function useToken(value) {
  token = value;
  sessionStorage.setItem("raftoral-token", token);
}

/**
 * A read its node has not answered in this long fails, so that the page says the node does not
 * answer (a node stopped or cut off holds the connection open). Before, the refresh waited on
 * it for good and the page showed its last update as current. Writes wait for their answer.
 */
const READ_TIMEOUT_MS = 10_000;
/** A read refused for want of a token is asked again this soon with the same token. */
const REFUSED_RETRY_MS = 60_000;
/** The last refusal of each route: its token, when, and the error it gave. */
const refusals = new Map();

async function call(path, init = {}, timeoutMs = init.method ? undefined : READ_TIMEOUT_MS) {
  const route = path.split("?")[0];
  const refused = refusals.get(route);
  // Asked again only with another token, or after a while: each refusal is an error in the
  // browser's console, and the page refreshes every 2 s.
  if (!init.method && refused?.token === token && Date.now() - refused.atMs < REFUSED_RETRY_MS) {
    throw refused.error;
  }
  const headers = { ...(init.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  let response;
  let text;
  try {
    response = await fetch(path, { ...init, headers, signal });
    text = await response.text();
  } catch (error) {
    if (error.name === "TimeoutError") {
      throw new Error(`${path}: the node did not answer within ${timeoutMs / 1000} s`);
    }
    // The browser's own words ("Failed to fetch") name neither the call nor the node.
    throw new Error(`${route}: the node does not answer (${error.message})`);
  }
  if (!response.ok) {
    let message = text;
    try {
      message = JSON.parse(text).error || text;
    } catch {
      /* not JSON: keep the text */
    }
    const error = new Error(`${path}: ${response.status} ${message}`);
    error.status = response.status;
    if (error.status === 401 || error.status === 403) {
      refusals.set(route, { token, atMs: Date.now(), error });
    }
    throw error;
  }
  return text;
}
/** A failure another try may not meet: no answer at all (the node is down), or a 5xx. */
// biome-ignore lint/correctness/noUnusedVariables: the other parts of the script call it (index.ts joins them)
const isWorthRetrying = (error) => error.status === undefined || error.status >= 500;
// biome-ignore lint/correctness/noUnusedVariables: the other parts of the script call it (index.ts joins them)
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// biome-ignore lint/correctness/noUnusedVariables: the other parts of the script call it (index.ts joins them)
const callJson = async (path, init, timeoutMs) => JSON.parse(await call(path, init, timeoutMs));
