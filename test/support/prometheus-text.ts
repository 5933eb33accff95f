// Reading metrics as Prometheus would: the text is parsed by an independent parser
// (parse-prometheus-text-format), and then checked for what that parser lets through.

import parsePrometheusTextFormat from "parse-prometheus-text-format";

export type MetricFamily = ReturnType<typeof parsePrometheusTextFormat>[number];

/** Parses exposition text; throws on a family without HELP or TYPE, or a malformed line. */
export function parseMetrics(text: string): MetricFamily[] {
  const families = parsePrometheusTextFormat(text);
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+$/.test(line)) {
      throw new Error(`malformed sample line: ${line}`);
    }
  }
  for (const family of families) {
    if (family.help === "" || family.type === "") throw new Error(`${family.name}: no HELP/TYPE`);
  }
  return families;
}

export function familyOf(families: readonly MetricFamily[], name: string): MetricFamily {
  const found = families.find((family) => family.name === name);
  if (found === undefined) throw new Error(`no metric ${name}`);
  return found;
}

/** The value of the sample of `name` whose labels include `labels`; undefined if none. */
export function sampleOf(
  families: readonly MetricFamily[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const sample = familyOf(families, name).metrics.find((candidate) =>
    Object.entries(labels).every(([key, value]) => candidate.labels?.[key] === value),
  );
  return sample?.value === undefined ? undefined : Number(sample.value);
}
