/**
 * A strict reader of the Prometheus text format (0.0.4) for tests: it throws, naming the line, on
 * anything a scraper would reject or that breaks the conventions we hold to: a sample before its family's
 * TYPE, HELP or TYPE twice, a family's samples not together, a series twice, a malformed label or value.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedFamily {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: ParsedSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALUE = /^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/;

export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, ParsedFamily & { help: string }>();
  const seenSeries = new Set<string>();
  const finished = new Set<string>();
  let current: string | null = null;
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  lines.forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1} ${JSON.stringify(line)}: ${why}`);
    };
    const comment = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (comment) {
      const [, keyword, name, rest] = comment;
      if (name !== current) {
        if (current !== null) finished.add(current);
        if (finished.has(name)) fail(`family ${name} appears in two places`);
        current = name;
      }
      const family = families.get(name) ?? { name, type: '', help: '', samples: [] };
      families.set(name, family);
      if (keyword === 'HELP') {
        if (family.help !== '') fail('HELP given twice');
        family.help = unescapeHelp(rest, fail);
      } else {
        if (family.type !== '') fail('TYPE given twice');
        if (family.samples.length > 0) fail('TYPE after samples');
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) fail(`unknown type ${rest}`);
        (family as { type: string }).type = rest;
      }
      return;
    }
    if (line.startsWith('#') || line.trim() === '') fail('comments other than HELP and TYPE, and blank lines, are not written');
    const sample = new RegExp(`^(${NAME})(\\{(.*)\\})? (\\S+)$`).exec(line) ?? fail('not a sample line');
    const [, name, , labelText, valueText] = sample;
    const family = families.get(name) ?? fail(`sample of ${name} without its HELP and TYPE`);
    if (name !== current) fail(`sample of ${name} apart from the rest of its family`);
    if (family.type === '') fail(`sample of ${name} before its TYPE`);
    if (!VALUE.test(valueText)) fail(`value ${valueText} is not a float`);
    const labels = parseLabels(labelText ?? '', fail);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(key)) fail('the same series twice');
    seenSeries.add(key);
    family.samples.push({ name, labels, value: valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText) });
  });
  return families;
}

function parseLabels(text: string, fail: (why: string) => never): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = /^([^=]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest) ?? fail(`malformed labels at ${JSON.stringify(rest)}`);
    const [whole, name, raw] = match;
    if (!LABEL_NAME.test(name)) fail(`invalid label name ${JSON.stringify(name)}`);
    if (name in labels) fail(`label ${name} twice`);
    labels[name] = raw.replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
  }
  return labels;
}

function unescapeHelp(text: string, fail: (why: string) => never): string {
  if (/\\([^\\n]|$)/.test(text.replace(/\\\\/g, ''))) fail('HELP has an escape other than \\\\ and \\n');
  return text.replace(/\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}
