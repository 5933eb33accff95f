// Metrics in the Prometheus data model (counters, gauges, histograms with labels) and their
// text exposition format (version 0.0.4). Pure bookkeeping: recording is a map lookup and an
// addition, so the hot paths (a loop turn, a commit) can afford it; nothing is rendered until
// a scrape asks. Label sets are bounded per metric so that no input can grow memory: past
// SERIES_PER_METRIC_MAX, new label sets are counted in raftoral_metrics_series_dropped_total.

import { assert } from "./assert.ts";

export type Labels = Readonly<Record<string, string | number>>;

export const SERIES_PER_METRIC_MAX = 1_000;

/** Histogram buckets (seconds) from 100 µs to 10 s: the range of a commit or an fsync. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Kind = "counter" | "gauge" | "histogram";

interface HistogramSeries {
  readonly counts: number[];
  sum: number;
  count: number;
}

interface Rendered {
  readonly name: string;
  readonly help: string;
  readonly kind: Kind;
  render(lines: string[]): void;
}

abstract class Metric<Series> implements Rendered {
  protected readonly series = new Map<string, { labels: Labels; value: Series }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
    private readonly registry: MetricsRegistry,
  ) {
    assert(NAME.test(name), `metric name ${name} is not valid`);
    assert(kind !== "counter" || name.endsWith("_total"), `counter ${name} must end in _total`);
  }

  protected seriesOf(labels: Labels, create: () => Series): Series | undefined {
    const key = labelKey(labels);
    const existing = this.series.get(key);
    if (existing !== undefined) return existing.value;
    if (this.series.size >= SERIES_PER_METRIC_MAX) {
      this.registry.droppedSeries++;
      return undefined;
    }
    const value = create();
    this.series.set(key, { labels, value });
    return value;
  }

  /** Forgets every label set (for gauges rebuilt at each scrape, e.g. per group). */
  reset(): void {
    this.series.clear();
  }

  abstract render(lines: string[]): void;
}

/** One series of a counter, looked up once: what hot paths keep and add to. */
export interface CounterSeries {
  inc(amount?: number): void;
}

export class Counter extends Metric<{ value: number }> {
  inc(labels: Labels = {}, amount = 1): void {
    const series = this.seriesOf(labels, () => ({ value: 0 }));
    if (series !== undefined) series.value += amount;
  }

  /** The series of `labels`; past the cap, one that counts nothing. */
  bind(labels: Labels): CounterSeries {
    const series = this.seriesOf(labels, () => ({ value: 0 }));
    return {
      inc: (amount = 1) => {
        if (series !== undefined) series.value += amount;
      },
    };
  }

  /** Takes a total that another component counts (it only ever grows). */
  setTotal(total: number, labels: Labels = {}): void {
    const series = this.seriesOf(labels, () => ({ value: 0 }));
    if (series !== undefined) series.value = Math.max(series.value, total);
  }

  render(lines: string[]): void {
    for (const { labels, value } of this.series.values()) {
      lines.push(`${this.name}${labelText(labels)} ${numberText(value.value)}`);
    }
  }
}

export class Gauge extends Metric<{ value: number }> {
  set(value: number, labels: Labels = {}): void {
    const series = this.seriesOf(labels, () => ({ value: 0 }));
    if (series !== undefined) series.value = value;
  }

  render(lines: string[]): void {
    for (const { labels, value } of this.series.values()) {
      lines.push(`${this.name}${labelText(labels)} ${numberText(value.value)}`);
    }
  }
}

export class Histogram extends Metric<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    registry: MetricsRegistry,
    private readonly buckets: readonly number[],
  ) {
    super(name, help, "histogram", registry);
    assert(
      buckets.every((bound, k) => k === 0 || (buckets[k - 1] ?? 0) < bound),
      `histogram ${name}: buckets must increase`,
    );
  }

  observe(value: number, labels: Labels = {}): void {
    const series = this.seriesOf(labels, () => ({
      counts: this.buckets.map(() => 0),
      sum: 0,
      count: 0,
    }));
    if (series === undefined) return;
    const bucket = this.buckets.findIndex((bound) => value <= bound);
    if (bucket >= 0) series.counts[bucket] = (series.counts[bucket] ?? 0) + 1;
    series.sum += value;
    series.count++;
  }

  render(lines: string[]): void {
    for (const { labels, value } of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, k) => {
        cumulative += value.counts[k] ?? 0;
        const withLe = { ...labels, le: numberText(bound) };
        lines.push(`${this.name}_bucket${labelText(withLe)} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: "+Inf" })} ${value.count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${numberText(value.sum)}`);
      lines.push(`${this.name}_count${labelText(labels)} ${value.count}`);
    }
  }
}

/** A node's metrics; collectors refresh scrape-time gauges just before rendering. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, Rendered>();
  private readonly collectors: (() => void)[] = [];
  droppedSeries = 0;

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help, "counter", this));
  }

  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help, "gauge", this));
  }

  histogram(name: string, help: string, buckets = LATENCY_BUCKETS_SECONDS): Histogram {
    return this.add(new Histogram(name, help, this, buckets));
  }

  /** Runs `collect` at every scrape, before rendering (to set gauges read from state). */
  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  /** The text exposition format, every metric with its HELP and TYPE. */
  render(): string {
    for (const collect of this.collectors) collect();
    const lines: string[] = [];
    for (const metric of this.metrics.values()) {
      lines.push(`# HELP ${metric.name} ${metric.help.replaceAll("\\", "\\\\")}`);
      lines.push(`# TYPE ${metric.name} ${metric.kind}`);
      metric.render(lines);
    }
    lines.push("# HELP raftoral_metrics_series_dropped_total Label sets refused past the cap.");
    lines.push("# TYPE raftoral_metrics_series_dropped_total counter");
    lines.push(`raftoral_metrics_series_dropped_total ${this.droppedSeries}`);
    return `${lines.join("\n")}\n`;
  }

  private add<M extends Rendered>(metric: M): M {
    assert(!this.metrics.has(metric.name), `metric ${metric.name} registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}=${labels[name]}`)
    .join(",");
}

function labelText(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return "";
  const pairs = names.map((name) => {
    assert(LABEL_NAME.test(name), `label name ${name} is not valid`);
    const value = String(labels[name])
      .replaceAll("\\", "\\\\")
      .replaceAll("\n", "\\n")
      .replaceAll('"', '\\"');
    return `${name}="${value}"`;
  });
  return `{${pairs.join(",")}}`;
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
