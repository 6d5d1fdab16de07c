/**
 * Kubernetes label selectors in the string syntax of `?labelSelector=` (k8s.io/apimachinery/pkg/labels),
 * which the double's lists filter by.
 */

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

export class LabelSelectorError extends Error {}

/** A conjunction of requirements; no requirement selects everything, as in Kubernetes. */
export class LabelSelector {
  private constructor(readonly requirements: readonly Requirement[]) {}

  /** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3`. Throws LabelSelectorError on bad syntax. */
  static parse(text: string): LabelSelector {
    return new LabelSelector(new Parser(text).parseRequirements());
  }

  matches(labels: Record<string, string> | undefined): boolean {
    return this.requirements.every((r) => requirementMatches(r, labels ?? {}));
  }
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const present = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'In':
      return present && r.values.includes(value);
    case 'NotIn':
      return !present || !r.values.includes(value);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'Gt':
    case 'Lt': {
      if (!present || !/^-?\d+$/.test(value)) return false;
      const [actual, bound] = [Number(value), Number(r.values[0])];
      return r.operator === 'Gt' ? actual > bound : actual < bound;
    }
  }
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function requirement(key: string, operator: Operator, values: readonly string[]): Requirement {
  validateKey(key);
  if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
    throw new LabelSelectorError(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`);
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
    throw new LabelSelectorError(`unable to parse requirement: values set must be empty for exists and does not exist`);
  }
  if ((operator === 'Gt' || operator === 'Lt') && (values.length !== 1 || !/^-?\d+$/.test(values[0]))) {
    throw new LabelSelectorError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
  }
  if (operator !== 'Gt' && operator !== 'Lt') values.forEach(validateValue);
  return { key, operator, values: [...values].sort() };
}

function validateKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : ['', key];
  const prefixOk = slash < 0 || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !NAME.test(name)) {
    throw new LabelSelectorError(`unable to parse requirement: invalid label key "${key}"`);
  }
}

function validateValue(value: string): void {
  if (value !== '' && (value.length > 63 || !NAME.test(value))) {
    throw new LabelSelectorError(`unable to parse requirement: invalid label value: "${value}"`);
  }
}

type Token =
  | { kind: 'identifier'; text: string }
  | { kind: 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '<' | '>' | 'end'; text: string };

const SYMBOLS = ['==', '!=', '=', '!', '(', ')', ',', '<', '>'] as const;
const IDENTIFIER_END = /[\s!(),=<>]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i += 1;
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
    if (symbol) {
      tokens.push({ kind: symbol, text: symbol });
      i += symbol.length;
      continue;
    }
    let end = i;
    while (end < text.length && !IDENTIFIER_END.test(text[end])) end += 1;
    const word = text.slice(i, end);
    tokens.push(word === 'in' || word === 'notin' ? { kind: word, text: word } : { kind: 'identifier', text: word });
    i = end;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

class Parser {
  private readonly tokens: Token[];
  private position = 0;

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  parseRequirements(): Requirement[] {
    if (this.peek().kind === 'end') return [];
    const requirements = [this.parseRequirement()];
    while (this.peek().kind === ',') {
      this.next();
      requirements.push(this.parseRequirement());
    }
    this.expect(['end'], "',' or end of selector");
    return requirements;
  }

  private parseRequirement(): Requirement {
    if (this.peek().kind === '!') {
      this.next();
      return requirement(this.expect(['identifier'], 'label key').text, 'DoesNotExist', []);
    }
    const key = this.expect(['identifier'], "label key or '!'").text;
    const operator = this.peek();
    switch (operator.kind) {
      case ',':
      case 'end':
        return requirement(key, 'Exists', []);
      case '=':
      case '==':
      case '!=':
        this.next();
        return requirement(key, operator.kind === '!=' ? 'NotIn' : 'In', [this.parseOptionalValue()]);
      case '<':
      case '>':
        this.next();
        return requirement(key, operator.kind === '>' ? 'Gt' : 'Lt', [this.expect(['identifier'], 'integer').text]);
      case 'in':
      case 'notin':
        this.next();
        return requirement(key, operator.kind === 'in' ? 'In' : 'NotIn', this.parseValueSet());
      default:
        throw this.unexpected(operator, "'=', '==', '!=', 'in', 'notin', '<', '>', ',' or end of selector");
    }
  }

  /** `a=` is legal and means the empty value. */
  private parseOptionalValue(): string {
    return this.peek().kind === 'identifier' ? this.next().text : '';
  }

  private parseValueSet(): string[] {
    this.expect(['('], "'('");
    const values = [this.parseOptionalValue()];
    while (this.peek().kind === ',') {
      this.next();
      values.push(this.parseOptionalValue());
    }
    this.expect([')'], "',' or ')'");
    return values.length === 1 && values[0] === '' ? [] : values;
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (token.kind !== 'end') this.position += 1;
    return token;
  }

  private expect(kinds: Token['kind'][], description: string): Token {
    const token = this.peek();
    if (!kinds.includes(token.kind)) throw this.unexpected(token, description);
    return this.next();
  }

  private unexpected(token: Token, expected: string): LabelSelectorError {
    const found = token.kind === 'end' ? 'end of selector' : `'${token.text}'`;
    return new LabelSelectorError(`unable to parse requirement: found ${found}, expected: ${expected}`);
  }
}
