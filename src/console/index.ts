// The web console: one page embedded in the binary, served at GET /ui. Its markup and style
// are in console.htm, its script in console-calls.js, console-cluster.js and
// console-workflows.js; index.ts puts the script inline into the page, once, so that the page
// stays one answer under its CSP (script-src 'unsafe-inline'). It works offline and calls only
// the node's own HTTP API: /cluster/status, /cluster/health, /metrics and /workflow/*
// (execute, wait, describe, signal, list, cancel, terminate).

/// <reference path="./htm-modules.d.ts" />

import page from "./console.htm" with { type: "text" };
import calls from "./console-calls.js" with { type: "text" };
import cluster from "./console-cluster.js" with { type: "text" };
import workflows from "./console-workflows.js" with { type: "text" };

const SCRIPT_PLACE = "/* console-cluster.js, console-workflows.js */";

function inlineScript(html: string, code: string): string {
  // The script must not end its own element early, and the page must have its one place.
  if (code.includes("</script")) throw new Error("the console's script must not hold </script");
  const parts = html.split(SCRIPT_PLACE);
  if (parts.length !== 2) throw new Error(`console.htm must hold ${SCRIPT_PLACE} exactly once`);
  return `${parts[0]}${code}${parts[1]}`;
}

// The calls first, then the cluster panels: the last lines of the third start the refresh loop.
export const CONSOLE_HTML: string = inlineScript(page, `${calls}\n${cluster}\n${workflows}`);
