// The Prometheus text exposition format (version 0.0.4), written by hand: the agent ships as one small
// bundle, and the format is a few lines of rules.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  readonly samples: readonly Sample[];
}

/**
 * Renders families with `common` labels (first) on every sample. A family named twice is written once,
 * under the first one's HELP and TYPE, so a scraper never sees them repeated; a series (name and label
 * set) seen twice keeps its first value, because Prometheus would reject the duplicate. Label sets come
 * partly from PostgreSQL's own data (database, standby and slot names), so this is enforced here and not
 * left to every builder. Families without samples are left out.
 */
export function renderExposition(families: readonly MetricFamily[], common: Readonly<Record<string, string>>): string {
  const byName = new Map<string, { family: MetricFamily; series: Map<string, number> }>();
  for (const family of families) {
    const entry = byName.get(family.name) ?? { family, series: new Map<string, number>() };
    byName.set(family.name, entry);
    for (const sample of family.samples) {
      const key = labelText({ ...common, ...sample.labels });
      if (!entry.series.has(key)) entry.series.set(key, sample.value);
    }
  }
  const lines: string[] = [];
  for (const { family, series } of byName.values()) {
    if (series.size === 0) continue;
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const [labels, value] of series) lines.push(`${family.name}${labels} ${formatValue(value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** In label values, backslash, double quote and line feed are escaped as \\, \" and \n. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** In HELP text, backslash and line feed are escaped (a double quote stays as it is). */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** Go's float syntax, which Prometheus parses: NaN, +Inf, -Inf, else what JavaScript prints (1e+21 included). */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
