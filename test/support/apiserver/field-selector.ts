/**
 * `?fieldSelector=` as Kubernetes parses it (k8s.io/apimachinery/pkg/fields): comma-separated
 * `field=value`, `field==value` or `field!=value` terms, with `\,` `\=` `\!` `\\` escapes in values,
 * restricted to the fields each type declares.
 */
import { KubeObject } from './objects';

interface FieldRequirement {
  readonly field: string;
  readonly equal: boolean;
  readonly value: string;
}

export class FieldSelectorError extends Error {}

export class FieldSelector {
  private constructor(private readonly requirements: readonly FieldRequirement[]) {}

  static parse(text: string, supportedFields: readonly string[]): FieldSelector {
    const requirements = splitUnescaped(text, ',')
      .filter((term) => term !== '')
      .map((term) => {
        const match = /^([^=!]+)(==|=|!=)(.*)$/s.exec(term);
        if (!match) throw new FieldSelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
        const [, field, operator, value] = match;
        if (!supportedFields.includes(field)) throw new FieldSelectorError(`field label not supported: ${field}`);
        return { field, equal: operator !== '!=', value: unescape(value) };
      });
    return new FieldSelector(requirements);
  }

  matches(object: KubeObject): boolean {
    return this.requirements.every((r) => (fieldValue(object, r.field) === r.value) === r.equal);
  }
}

/** A missing field compares as the empty string, as Kubernetes' field sets do. */
function fieldValue(object: KubeObject, path: string): string {
  let current: unknown = object;
  for (const step of path.split('.')) {
    current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[step] : undefined;
  }
  return current === undefined || current === null ? '' : String(current);
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '\\' && i + 1 < text.length) {
      current += text[i] + text[i + 1];
      i += 1;
    } else if (text[i] === separator) {
      parts.push(current);
      current = '';
    } else {
      current += text[i];
    }
  }
  parts.push(current);
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}
