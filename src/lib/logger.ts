// Structured logging: one line per event. Text lines read `LEVEL message, key: value, ...`
// (the style the QUICKSTART shows); JSON lines suit log shippers. Output goes to an injected
// sink so that this module does no I/O itself.

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = "text" | "json";
export type LogValue = string | number | boolean | bigint | null | undefined;
export type LogFields = Readonly<Record<string, LogValue>>;

export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  isEnabled(level: LogLevel): boolean;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Receives one complete line, without the trailing newline, and the line's level. */
  readonly write: (line: string, level: LogLevel) => void;
  /** Wall-clock time for JSON lines and timestamps; injected so tests are deterministic. */
  readonly now?: () => Date;
  /** Text lines start with the time (ISO 8601, UTC), as the CLI's do; JSON lines always have it. */
  readonly timestamps?: boolean;
}

const RANK: Readonly<Record<LogLevel, number>> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, message: string, fields: LogFields | undefined): void => {
    if (RANK[level] < RANK[options.level]) return;
    const all = fields === undefined ? bound : { ...bound, ...fields };
    if (options.format === "json") options.write(formatJson(level, message, all, now()), level);
    else if (options.timestamps === true) {
      options.write(`${now().toISOString()} ${formatText(level, message, all)}`, level);
    } else options.write(formatText(level, message, all), level);
  };
  return {
    trace: (message, fields) => emit("trace", message, fields),
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    isEnabled: (level) => RANK[level] >= RANK[options.level],
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** `INFO Starting node, node_id: 1, address: 127.0.0.1:7001` */
export function formatText(level: LogLevel, message: string, fields: LogFields): string {
  const parts = [`${level.toUpperCase()} ${oneLine(message)}`];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(`${key}: ${oneLine(String(value))}`);
  }
  return parts.join(", ");
}

export function formatJson(level: LogLevel, message: string, fields: LogFields, now: Date): string {
  const record: Record<string, unknown> = { time: now.toISOString(), level, message };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    record[key] = typeof value === "bigint" ? value.toString() : value;
  }
  return JSON.stringify(record);
}

// A log line must stay one line, whatever a peer or a user put in a value.
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}

export interface LogSettings {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Problems with the environment, to be logged once the logger exists. */
  readonly warnings: readonly string[];
}

/**
 * Reads RAFTORAL_LOG (preferred) or RUST_LOG, and RAFTORAL_LOG_FORMAT. RUST_LOG may hold
 * env_logger directives like `raftoral=debug,h2=warn`: the `raftoral` one or a bare level wins.
 */
export function logSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): LogSettings {
  const warnings: string[] = [];
  let level: LogLevel = "info";
  const [variable, raw] =
    env.RAFTORAL_LOG !== undefined && env.RAFTORAL_LOG !== ""
      ? ["RAFTORAL_LOG", env.RAFTORAL_LOG]
      : ["RUST_LOG", env.RUST_LOG];
  if (raw !== undefined && raw !== "") {
    const parsed = levelFromDirectives(raw);
    if (parsed === undefined) {
      warnings.push(
        `${variable}=${raw} is not a log level; using info. Use one of: ${LOG_LEVELS.join(", ")}`,
      );
    } else {
      level = parsed;
    }
  }
  let format: LogFormat = "text";
  const rawFormat = env.RAFTORAL_LOG_FORMAT;
  if (rawFormat === "json" || rawFormat === "text") {
    format = rawFormat;
  } else if (rawFormat !== undefined && rawFormat !== "") {
    warnings.push(`RAFTORAL_LOG_FORMAT=${rawFormat} is not a log format; use text or json`);
  }
  return { level, format, warnings };
}

function levelFromDirectives(raw: string): LogLevel | undefined {
  let bare: LogLevel | undefined;
  let ours: LogLevel | undefined;
  for (const directive of raw.toLowerCase().split(",")) {
    const [target, value] = directive.includes("=")
      ? directive.trim().split("=", 2)
      : [undefined, directive.trim()];
    const level = value === "warning" ? "warn" : value;
    if (level === undefined || !isLogLevel(level)) continue;
    if (target === undefined) bare = level;
    else if (target === "raftoral") ours = level;
  }
  return ours ?? bare;
}
