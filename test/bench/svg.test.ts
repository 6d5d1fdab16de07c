import { escapeXml, renderTimeline, runs, ticks } from '../../bench/report/svg';
import type { AckedWrite } from '../../e2e/load/write-log';

const pods = ['ha-postgres-0', 'ha-postgres-1', 'ha-postgres-2'];

function writes(pod: string, from: number, to: number, firstId: number): AckedWrite[] {
  const result: AckedWrite[] = [];
  for (let at = from, id = firstId; at < to; at += 20, id++) result.push({ id, sentAt: at, at, pod });
  return result;
}

function render() {
  return renderTimeline({
    title: 'graceful delete <async>',
    subtitle: 'trial 2 & more',
    pods,
    writes: [...writes(pods[0], 0, 1000, 1), ...writes(pods[1], 1800, 3000, 60)],
    probes: [{ pod: pods[0], at: 500 }, { pod: pods[1], at: 1900 }],
    faultAt: 1000,
    marks: [{ at: 1700, label: 'ha-postgres-1 labelled primary' }],
    gap: { from: 980, to: 1800 },
  });
}

describe('timeline SVG', () => {
  it('is one standalone svg document with escaped text', () => {
    const svg = render();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('graceful delete &lt;async&gt;');
    expect(svg).toContain('trial 2 &amp; more');
    expect(svg).not.toContain('<async>');
  });

  it('draws one run per serving pod, in that pod\'s colour, and marks the fault and the events', () => {
    const svg = render();
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('stroke="#1f77b4"');
    expect(svg).toContain('stroke="#ff7f0e"');
    expect(svg).toContain('>fault</text>');
    expect(svg).toContain('>ha-postgres-1 labelled primary</text>');
    for (const pod of pods) expect(svg).toContain(`>${pod}</text>`);
  });

  it('puts the fault at 0 on the time axis', () => {
    const svg = render();
    expect(svg).toMatch(/>0<\/text>/);
    expect(svg).toMatch(/>-1<\/text>|>-0.5<\/text>/);
  });

  it('renders a trial without any acknowledged write', () => {
    const svg = renderTimeline({ title: 't', pods, writes: [], probes: [], faultAt: 0, marks: [] });
    expect(svg).toContain('</svg>');
    expect(svg).not.toContain('NaN');
  });

  it('splits acknowledgements into runs by pod and by silence', () => {
    const points = [
      { pod: 'a', at: 0, id: 1 }, { pod: 'a', at: 20, id: 2 }, { pod: 'a', at: 400, id: 3 },
      { pod: 'b', at: 420, id: 4 }, { pod: 'b', at: 440, id: 5 },
    ];
    expect(runs(points).map((run) => run.map((p) => p.id))).toEqual([[1, 2], [3], [4, 5]]);
  });

  it('chooses round ticks, at most about ten', () => {
    expect(ticks(-2, 8)).toEqual([-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ticks(-1.2, 25)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(ticks(0, 0.9)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  });

  it('escapes XML special characters', () => {
    expect(escapeXml('a < b & "c" > d')).toBe('a &lt; b &amp; &quot;c&quot; &gt; d');
  });
});
