// What the client commands print comes in part from whoever called the cluster: a cancel
// reason, an event's name, an error, a workflow's output. A control character in it (an escape
// sequence) acted on the reader's terminal: it recoloured it, moved the cursor, rewrote earlier
// lines or set the window's title. Each is now shown as its JSON escape (`\u001b`), which keeps
// the --json output valid and the same value (JSON.stringify escapes C0 itself, but not DEL or
// C1). Newlines and tabs stay in the output; a value printed on a line of its own is passed
// through oneLine first, so that a newline in it cannot start a line that looks like ours.

// C0 but tab and newline, DEL, and C1.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is this regex's purpose.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with every control character but tab and newline written as a \uXXXX escape. */
export function terminalSafe(text: string): string {
  return text.replace(
    CONTROLS,
    (control) => `\\u${control.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `text` with each newline written as `\n`: a value from others kept on the line it is on. */
export function oneLine(text: string): string {
  return text.replaceAll("\n", "\\n");
}
