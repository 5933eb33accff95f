// Option parsing shared by the client subcommands: cac reads the flags, and this module
// refuses unknown ones and keeps each value's exact text. Pure: returns what it found or
// what is wrong; the caller prints and exits.

import cac from "cac";

/** One option: its cac flags ("-a, --address <ADDRESS>") and the key cac stores it under. */
export interface OptionSpec {
  readonly flags: string;
  readonly key: string;
}

export type OptionsParse =
  | {
      readonly ok: true;
      readonly options: Readonly<Record<string, unknown>>;
      readonly positional: readonly string[];
    }
  | { readonly ok: false; readonly message: string };

/** Options people may try that would put a token in argv: each gets its own answer. */
const SECRET_VALUE_OPTIONS: ReadonlySet<string> = new Set(["token", "clientToken", "adminToken"]);

/** Parses `argv` against `specs`; `command` names the subcommand in messages. */
export function parseOptions(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  command: string,
): OptionsParse {
  const cli = cac("raftoral");
  for (const spec of specs) cli.option(spec.flags, "");
  let parsed: { args: readonly (string | number)[]; options: Record<string, unknown> };
  const args = normalizedArgv(
    argv,
    specs.map((spec) => spec.flags),
  );
  const valued = valueGivenToFlag(
    args,
    specs.map((spec) => spec.flags),
  );
  if (valued !== undefined) return { ok: false, message: valued };
  try {
    parsed = cli.parse(["bun", "raftoral", ...args], { run: false });
  } catch (error) {
    // cac throws CACError for malformed option syntax: a usage error, not a bug.
    return { ok: false, message: (error as Error).message };
  }
  const known = new Set(["--", ...specs.flatMap((spec) => [spec.key, ...shortNames(spec.flags)])]);
  const unknown = Object.keys(parsed.options).filter((key) => !known.has(key));
  const secretInArgv = unknown.find((key) => SECRET_VALUE_OPTIONS.has(key));
  if (secretInArgv !== undefined) {
    const flag = `--${kebab(secretInArgv)}`;
    return {
      ok: false,
      message: `${flag} does not exist: a token on the command line is visible to every user (ps); write it to a file readable by you only and give --token-file <PATH>, or set RAFTORAL_TOKEN`,
    };
  }
  if (unknown.length > 0) {
    const shown = unknown.map((key) => (key.length === 1 ? `-${key}` : `--${kebab(key)}`));
    return {
      ok: false,
      message: `Unknown option ${shown.join(", ")}; see raftoral ${command} --help`,
    };
  }
  return {
    ok: true,
    options: withRawValues(parsed.options, args, specs),
    positional: rawPositional(parsed.args, args),
  };
}

/**
 * What is wrong when a flag that takes no value is given one (`--wait=yes`): cac would take
 * the value for an argument, and the message would name the argument rather than the flag.
 */
export function valueGivenToFlag(
  argv: readonly string[],
  flagsList: readonly string[],
): string | undefined {
  const noValue = new Set(
    flagsList.filter((flags) => !flags.includes("<")).map((flags) => flags.replace(/^.*--/, "--")),
  );
  for (const arg of argv) {
    const [name = "", value] = arg.split(/=(.*)/s);
    if (noValue.has(name) && value !== undefined && value !== "true" && value !== "false") {
      return `${name} takes no value (got '${value}'); give ${name} alone`;
    }
  }
  return undefined;
}

/** `argv` with each value option's value in the form cac reads: see the two steps below. */
export function normalizedArgv(
  argv: readonly string[],
  flagsList: readonly string[],
): readonly string[] {
  return withNegativeValuesJoined(withShortValuesSplit(argv, flagsList), flagsList);
}

/**
 * A short option's value may follow it in the same word, as most command lines take it
 * (`-thttp`, `-l127.0.0.1:7001`, `-t=http`); mri would read each letter as a flag of its own
 * (`-thttp` as -t -h -t -t -p: the help). Split such a word in two when its first letter is
 * a short option that takes a value.
 */
export function withShortValuesSplit(
  argv: readonly string[],
  flagsList: readonly string[],
): readonly string[] {
  const valueShorts = new Set(
    flagsList.filter((flags) => flags.includes("<")).flatMap((flags) => shortNames(flags)),
  );
  const split: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] as string;
    if (token === "--") return [...split, ...argv.slice(index)];
    const attached = /^-([A-Za-z])(.+)$/.exec(token);
    const letter = attached?.[1];
    const value = attached?.[2];
    if (letter !== undefined && value !== undefined && valueShorts.has(letter)) {
      split.push(`-${letter}`, value.startsWith("=") ? value.slice(1) : value);
    } else split.push(token);
  }
  return split;
}

/**
 * mri reads "-5" after an option as a flag of its own, so `--timeout -5` would answer
 * "Unknown option -5". A negative number after a long option that takes a value is that
 * option's value: join the two (`--timeout=-5`) and let the option's own check judge it.
 */
export function withNegativeValuesJoined(
  argv: readonly string[],
  flagsList: readonly string[],
): readonly string[] {
  const valueOptions = new Set(
    flagsList
      .filter((flags) => flags.includes("<"))
      .flatMap((flags) => flags.match(/--[\w-]+/g) ?? []),
  );
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] as string;
    const next = argv[index + 1];
    if (token === "--") return [...joined, ...argv.slice(index)];
    if (valueOptions.has(token) && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${token}=${next}`);
      index++;
    } else joined.push(token);
  }
  return joined;
}

function shortNames(flags: string): string[] {
  const short = /^-(\w),/.exec(flags)?.[1];
  return short === undefined ? [] : [short];
}

function kebab(camel: string): string {
  return camel.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * cac (through mri) turns number-like values into numbers ("007" becomes 7, "1e3" 1000), which
 * would change a workflow id or an input. Take each value option's text from argv instead.
 * A repeated option is an array, and mri loses values when its short and long names are
 * mixed (`--status a -s b`): take every value from argv for it too.
 */
function withRawValues(
  options: Record<string, unknown>,
  argv: readonly string[],
  specs: readonly OptionSpec[],
): Record<string, unknown> {
  const result = { ...options };
  for (const spec of specs) {
    if (!spec.flags.includes("<")) continue;
    const names = spec.flags.match(/-{1,2}[\w-]+/g) ?? [];
    if (Array.isArray(result[spec.key])) {
      result[spec.key] = allRawValues(argv, names);
      continue;
    }
    if (typeof result[spec.key] !== "number") continue;
    const raw = lastRawValue(argv, names);
    if (raw !== undefined) result[spec.key] = raw;
  }
  return result;
}

function lastRawValue(argv: readonly string[], names: readonly string[]): string | undefined {
  let value: string | undefined;
  argv.forEach((token, index) => {
    for (const name of names) {
      if (token === name) value = argv[index + 1];
      else if (token.startsWith(`${name}=`)) value = token.slice(name.length + 1);
    }
  });
  return value;
}

function allRawValues(argv: readonly string[], names: readonly string[]): unknown[] {
  const found: unknown[] = [];
  argv.forEach((token, index) => {
    for (const name of names) {
      const next = argv[index + 1];
      // A flag without its value stays `true`, as cac reports it, so callers can say so.
      if (token === name) found.push(next === undefined || next.startsWith("-") ? true : next);
      else if (token.startsWith(`${name}=`)) found.push(token.slice(name.length + 1));
    }
  });
  return found;
}

/** Positional arguments as typed: a number-like workflow id must keep its exact text. */
function rawPositional(args: readonly (string | number)[], argv: readonly string[]): string[] {
  return args.map((arg) => {
    if (typeof arg === "string") return arg;
    const exact = argv.find((token) => !token.startsWith("-") && Number(token) === arg);
    return exact ?? String(arg);
  });
}
