// The registry's text exposition: what a Prometheus parser reads back, label escaping,
// cumulative histogram buckets, and the bound on label sets.

import { describe, expect, test } from "bun:test";
import { familyOf, parseMetrics } from "../../test/support/prometheus-text.ts";
import { AssertionError } from "./assert.ts";
import { MetricsRegistry, SERIES_PER_METRIC_MAX } from "./metrics.ts";

describe("MetricsRegistry", () => {
  test("counters, gauges and labels read back through a Prometheus parser", () => {
    const registry = new MetricsRegistry();
    const proposals = registry.counter("raftoral_test_proposals_total", "Proposals.");
    const term = registry.gauge("raftoral_test_term", "Term.");
    proposals.inc({ group: 1, outcome: "applied" }, 3);
    proposals.inc({ group: 1, outcome: "applied" });
    proposals.inc({ group: 2, outcome: "TIMEOUT" });
    term.set(7, { group: 0 });
    term.set(9, { group: 0 });
    const families = parseMetrics(registry.render());
    const counted = familyOf(families, "raftoral_test_proposals_total");
    expect(counted.type).toBe("COUNTER");
    expect(counted.help).toBe("Proposals.");
    expect(counted.metrics).toContainEqual({
      value: "4",
      labels: { group: "1", outcome: "applied" },
    });
    expect(counted.metrics).toContainEqual({
      value: "1",
      labels: { group: "2", outcome: "TIMEOUT" },
    });
    expect(familyOf(families, "raftoral_test_term").metrics).toEqual([
      { value: "9", labels: { group: "0" } },
    ]);
  });

  test("histogram buckets are cumulative and end in +Inf equal to the count", () => {
    const registry = new MetricsRegistry();
    const latency = registry.histogram("raftoral_test_seconds", "Latency.", [0.01, 0.1, 1]);
    for (const value of [0.005, 0.05, 0.05, 0.5, 3]) latency.observe(value);
    const [parsed] = familyOf(parseMetrics(registry.render()), "raftoral_test_seconds").metrics;
    expect(parsed?.buckets).toEqual({ "0.01": "1", "0.1": "3", "1": "4", "+Inf": "5" });
    expect(parsed?.count).toBe("5");
    expect(Number(parsed?.sum)).toBeCloseTo(3.605, 6);
  });

  test("label values with quotes, backslashes and line breaks are escaped", () => {
    const registry = new MetricsRegistry();
    registry.gauge("raftoral_test_info", "Info.").set(1, { text: 'a "b" \\ c\nd' });
    const text = registry.render();
    expect(text).toContain('raftoral_test_info{text="a \\"b\\" \\\\ c\\nd"} 1');
    expect(familyOf(parseMetrics(text), "raftoral_test_info").metrics).toHaveLength(1);
  });

  test("label sets past the cap are counted, not kept", () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter("raftoral_test_peers_total", "Peers.");
    for (let peer = 0; peer < SERIES_PER_METRIC_MAX + 5; peer++) counter.inc({ peer });
    const families = parseMetrics(registry.render());
    expect(familyOf(families, "raftoral_test_peers_total").metrics).toHaveLength(
      SERIES_PER_METRIC_MAX,
    );
    expect(familyOf(families, "raftoral_metrics_series_dropped_total").metrics).toEqual([
      { value: "5" },
    ]);
  });

  test("a bound series adds to the same label set; past the cap it counts nothing", () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter("raftoral_test_bound_total", "Bound.");
    const series = counter.bind({ group: 1 });
    series.inc();
    series.inc(4);
    counter.inc({ group: 1 });
    expect(registry.render()).toContain('raftoral_test_bound_total{group="1"} 6');
    for (let group = 2; group <= SERIES_PER_METRIC_MAX; group++) counter.inc({ group });
    const over = counter.bind({ group: 0 });
    over.inc(100);
    expect(registry.render()).not.toContain('raftoral_test_bound_total{group="0"}');
  });

  test("collectors run at every scrape; totals taken from elsewhere never go back", () => {
    const registry = new MetricsRegistry();
    const sent = registry.counter("raftoral_test_sent_total", "Sent.");
    let source = 10;
    registry.onCollect(() => sent.setTotal(source));
    expect(registry.render()).toContain("raftoral_test_sent_total 10");
    source = 4;
    expect(registry.render()).toContain("raftoral_test_sent_total 10");
    source = 12;
    expect(registry.render()).toContain("raftoral_test_sent_total 12");
  });

  test("names are checked: counters end in _total, no name twice", () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter("raftoral_test_sent", "Sent.")).toThrow(AssertionError);
    expect(() => registry.gauge("raftoral test", "Bad.")).toThrow(AssertionError);
    registry.gauge("raftoral_test_once", "Once.");
    expect(() => registry.gauge("raftoral_test_once", "Twice.")).toThrow(AssertionError);
  });
});
