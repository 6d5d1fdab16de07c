import { LabelSelector } from '../support/apiserver';

const labels = { app: 'pg', role: 'primary', index: '2' };

describe('LabelSelector.parse', () => {
  it.each([
    ['', true],
    ['app=pg', true],
    ['app = pg', true],
    ['app==pg', true],
    ['app=web', false],
    ['app!=web', true],
    ['missing!=x', true],
    ['role in (primary, replica)', true],
    ['role in (replica)', false],
    ['role notin (replica)', true],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=pg,role=replica', false],
    ['app=pg,role,!missing', true],
    ['index>1', true],
    ['index<2', false],
    ['app>1', false],
    ['missing=', false],
    ['app.kubernetes.io/name in (pg)', false],
  ])('"%s" matches %p', (selector, expected) => {
    expect(LabelSelector.parse(selector).matches(labels)).toBe(expected);
  });

  it('takes an empty value as the empty string', () => {
    expect(LabelSelector.parse('a=').matches({ a: '' })).toBe(true);
    expect(LabelSelector.parse('a in (,x)').matches({ a: '' })).toBe(true);
  });

  it.each([
    ['app=pg,', 'unable to parse requirement: found end of selector, expected: label key or \'!\''],
    ['role in (a', "unable to parse requirement: found end of selector, expected: ',' or ')'"],
    ['role in ()', "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty"],
    ['a b', "unable to parse requirement: found 'b', expected: '=', '==', '!=', 'in', 'notin', '<', '>', ',' or end of selector"],
    ['index>x', "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer"],
    ['-bad=x', 'unable to parse requirement: invalid label key "-bad"'],
    ['a=b c', "unable to parse requirement: found 'c', expected: ',' or end of selector"],
  ])('fails on "%s"', (selector, message) => {
    expect(() => LabelSelector.parse(selector)).toThrow(message);
  });
});
