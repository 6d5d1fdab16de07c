// `status -o json`: the report as it is, keys in a fixed order and every field present (null when
// unknown), so scripts can rely on the shape; SCHEMA_VERSION changes when a field changes meaning.
import type { StatusReport } from './report';

export function renderJson(report: StatusReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
