// Public surface of src/lib: the basics every other folder builds on.

export { type Address, type AddressParse, parseAddress } from "./address.ts";
export { AssertionError, assert, assertionFailed, unreachable } from "./assert.ts";
export { concatBytes } from "./bytes.ts";
export { type CancelTimer, type Clock, RealClock, VirtualClock } from "./clock.ts";
export {
  type ErrorCode,
  InvalidArgumentError,
  RaftoralError,
  type RaftoralErrorOptions,
  toError,
} from "./errors.ts";
export { type FieldErrorFactory, type FieldReaders, fieldReaders } from "./fields.ts";
export { FifoMap } from "./fifo-map.ts";
export {
  type GroupId,
  groupId,
  type LogIndex,
  logIndex,
  MANAGEMENT_GROUP,
  NO_NODE,
  type NodeId,
  nodeId,
  type Term,
  term,
} from "./ids.ts";
export {
  checkJsonDepth,
  isJsonDepthWithin,
  isJsonLargerThan,
  JSON_DEPTH_MAX,
  type JsonValue,
  parseJsonText,
  toJsonValue,
} from "./json.ts";
export {
  createLogger,
  formatJson,
  formatText,
  isLogLevel,
  LOG_LEVELS,
  type LogFields,
  type LogFormat,
  type Logger,
  type LogLevel,
  type LogSettings,
  logSettingsFromEnv,
} from "./logger.ts";
export {
  Counter,
  type CounterSeries,
  Gauge,
  Histogram,
  LATENCY_BUCKETS_SECONDS,
  type Labels,
  MetricsRegistry,
} from "./metrics.ts";
export { type Random, seededRandom } from "./random.ts";
export {
  checkRetention,
  DEFAULT_RETENTION,
  describeRetention,
  formatDurationMs,
  isSameRetention,
  parseDurationMs,
  parseRetention,
  RETENTION_FINISHED_MAX,
  RETENTION_MS_MAX,
  type RetentionSetting,
} from "./retention.ts";
export { SoonOnce } from "./soon-once.ts";
export {
  checkTraceId,
  isTraceId,
  newTraceId,
  type TraceId,
  traceIdOf,
} from "./trace-context.ts";
export {
  defineEvent,
  type EventType,
  type ResultOf,
  type WorkflowType,
  workflowType,
} from "./workflow-types.ts";
