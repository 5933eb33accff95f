// The web console: one page (HTML, CSS and script in one file) embedded in the binary, served
// at GET /ui. It works offline and calls only the node's own HTTP API: /cluster/status,
// /cluster/health, /metrics, /workflow/execute, /workflow/wait, /workflow/describe,
// /workflow/signal and /workflow/list.

import page from "./console.htm" with { type: "text" };

export const CONSOLE_HTML: string = page;
