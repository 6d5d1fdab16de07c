/**
 * The metric names a PromQL expression reads, found the simple way: drop string literals, label
 * matchers, ranges, grouping clauses and Grafana variables, then every remaining identifier that is
 * not a function call or an operator keyword is a series name. Enough for the expressions this
 * repository writes; not a PromQL parser.
 */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset']);

export function referencedSeries(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    // label_values(series, label): the second argument is a label.
    .replace(/,\s*[a-zA-Z_]\w*\s*\)/g, ')');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (match[2] === undefined && !KEYWORDS.has(match[1])) names.add(match[1]);
  }
  return [...names].sort();
}
