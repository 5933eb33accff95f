// A JSON value on the command line (--input, --payload): the JSON text itself, or, as curl
// and grpcurl take theirs, `@PATH` to read it from a file and `@-` from standard input. A
// shell passes at most 128 KiB in one argument; a file or a pipe carries up to the 1 MiB a
// node takes from a client. No JSON text starts with `@`, so the two never mix.

import { readFileSync } from "node:fs";
import { InvalidArgumentError, parseJsonText } from "../lib/index.ts";
import { whyUnreadable } from "./file-errors.ts";

/** The value given, or where to read it when the command runs ("-": standard input). */
export type JsonArgument = { readonly value: unknown } | { readonly path: string };

const STDIN = "-";

/** Parses the option's text; a malformed value is INVALID_ARGUMENT, with the usual fix. */
export function parseJsonArgument(text: string, flag: string): JsonArgument {
  if (text.startsWith("@")) {
    const path = text.slice(1);
    if (path === "") {
      throw new InvalidArgumentError(
        `${flag} @ needs a file after it, e.g. ${flag} @order.json, or ${flag} @- for standard input`,
      );
    }
    return { path };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    // Converted: text that is not JSON is the user's mistake, explained with the usual fix.
    const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
    // An object or array is JSON gone wrong inside; anything else most often a bare string.
    const fix = /^\s*[[{]/.test(text)
      ? ` (${(error as Error).message}); its keys and strings need double quotes, e.g. ${flag} '{"name": "ada"}'`
      : `; a string needs its quotes, e.g. ${flag} '"ping"'`;
    throw new InvalidArgumentError(
      `${flag} '${shown}' is not JSON${fix}, or ${flag} @FILE reads it from a file`,
    );
  }
}

/** The argument's value, read from its file or standard input when it names one. */
export async function jsonArgumentValue(
  argument: JsonArgument,
  flag: string,
  readStdin: () => Promise<string>,
): Promise<unknown> {
  if ("value" in argument) return argument.value;
  const where = argument.path === STDIN ? "standard input" : `the file ${argument.path}`;
  let text: string;
  try {
    text = argument.path === STDIN ? await readStdin() : readFileSync(argument.path, "utf8");
  } catch (error) {
    // Converted: a file the user named that cannot be read is theirs to fix.
    throw new InvalidArgumentError(`cannot read ${flag} from ${where}: ${whyUnreadable(error)}`, {
      cause: error,
    });
  }
  if (text.trim() === "") {
    throw new InvalidArgumentError(`${flag} read ${where}, which is empty; it needs JSON text`);
  }
  return parseJsonText(text, `${flag} (${where})`);
}
