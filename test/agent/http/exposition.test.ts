// The text exposition format: escaping, one HELP and TYPE per family, no series twice, special values.
import { escapeLabelValue, renderExposition, type MetricFamily } from '../../../agent/http/exposition';
import { parseExposition } from '../../support/exposition-parser';

const family = (name: string, samples: MetricFamily['samples'], help = 'Help.'): MetricFamily => ({ name, type: 'gauge', help, samples });

describe('renderExposition', () => {
  it('writes HELP and TYPE before the samples, common labels first', () => {
    expect(renderExposition([family('a_bytes', [{ labels: { kind: 'x' }, value: 3 }])], { member: 'pg-0' })).toBe(
      '# HELP a_bytes Help.\n# TYPE a_bytes gauge\na_bytes{member="pg-0",kind="x"} 3\n',
    );
  });

  it('escapes backslash, double quote and line feed in label values, and reads back the original', () => {
    const nasty = 'db "quoted" \\ back\nslash';
    const text = renderExposition([family('a', [{ labels: { datname: nasty }, value: 1 }])], {});
    expect(text).toContain('a{datname="db \\"quoted\\" \\\\ back\\nslash"} 1\n');
    expect(parseExposition(text).get('a')!.samples[0].labels.datname).toBe(nasty);
  });

  it('escapes backslash and line feed in HELP but leaves double quotes', () => {
    const text = renderExposition([family('a', [{ labels: {}, value: 1 }], 'Says "hi" \\ then\nmore.')], {});
    expect(text).toContain('# HELP a Says "hi" \\\\ then\\nmore.\n');
    expect(parseExposition(text).get('a')!.help).toBe('Says "hi" \\ then\nmore.');
  });

  it('keeps UTF-8 label values as they are', () => {
    expect(escapeLabelValue('données')).toBe('données');
  });

  it('writes a family named twice once, under the first HELP, with both sets of samples', () => {
    const text = renderExposition([family('a', [{ labels: { x: '1' }, value: 1 }], 'First.'), family('a', [{ labels: { x: '2' }, value: 2 }], 'Second.')], {});
    expect(text).toBe('# HELP a First.\n# TYPE a gauge\na{x="1"} 1\na{x="2"} 2\n');
  });

  it('keeps the first of two samples with the same labels', () => {
    const text = renderExposition([family('a', [{ labels: { standby: 's' }, value: 1 }, { labels: { standby: 's' }, value: 2 }])], {});
    expect(text).toBe('# HELP a Help.\n# TYPE a gauge\na{standby="s"} 1\n');
  });

  it('leaves out families without samples', () => {
    expect(renderExposition([family('a', []), family('b', [{ labels: {}, value: 0 }])], {})).toBe('# HELP b Help.\n# TYPE b gauge\nb 0\n');
    expect(renderExposition([family('a', [])], {})).toBe('');
  });

  it('writes NaN and infinities as Prometheus reads them, and large numbers in exponent form', () => {
    const text = renderExposition([family('a', [
      { labels: { v: 'nan' }, value: NaN },
      { labels: { v: 'inf' }, value: Infinity },
      { labels: { v: '-inf' }, value: -Infinity },
      { labels: { v: 'big' }, value: 1.5e21 },
      { labels: { v: 'small' }, value: 0.004 },
    ])], {});
    expect(text.split('\n').slice(2, -1)).toEqual(['a{v="nan"} NaN', 'a{v="inf"} +Inf', 'a{v="-inf"} -Inf', 'a{v="big"} 1.5e+21', 'a{v="small"} 0.004']);
    expect(parseExposition(text).get('a')!.samples.map((s) => s.value)).toEqual([NaN, Infinity, -Infinity, 1.5e21, 0.004]);
  });
});

describe('the test reader of the format', () => {
  it('fails on a series written twice', () => {
    expect(() => parseExposition('# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n')).toThrow('line 3 "a{x=\\"1\\"} 2": the same series twice');
  });

  it('fails on a TYPE given twice', () => {
    expect(() => parseExposition('# TYPE a gauge\n# TYPE a gauge\n')).toThrow('line 2 "# TYPE a gauge": TYPE given twice');
  });

  it('fails on a family split in two places', () => {
    expect(() => parseExposition('# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a More.\n')).toThrow('line 5 "# HELP a More.": family a appears in two places');
  });

  it('fails on an unescaped double quote in a label value', () => {
    expect(() => parseExposition('# TYPE a gauge\na{x="say "hi""} 1\n')).toThrow('line 2 "a{x=\\"say \\"hi\\"\\"} 1": malformed labels at "x=\\"say \\"hi\\"\\""');
  });
});
