/**
 * One trial as a picture, hand-written SVG (no dependencies): the writer's acknowledged writes over time
 * (x: seconds from the fault, y: write number), coloured by the pod that served each; below, one lane per
 * pod with the dual-primary probe's acknowledgements; the fault, the promotion and the rejoin marked.
 */
import type { AckedWrite, ProbeAck } from '../../e2e/load/write-log';

export interface TimelineMark {
  readonly at: number;
  readonly label: string;
}

export interface TimelineInput {
  readonly title: string;
  readonly subtitle?: string;
  /** Every pod that may appear, in legend order; colours follow this order. */
  readonly pods: readonly string[];
  readonly writes: readonly AckedWrite[];
  readonly probes: readonly ProbeAck[];
  readonly faultAt: number;
  readonly marks: readonly TimelineMark[];
  /** The longest gap between acknowledgements, shaded. */
  readonly gap?: { readonly from: number; readonly to: number } | null;
}

export const POD_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const FAULT_COLOUR = '#d62728';
const MARK_COLOUR = '#555555';

const WIDTH = 900;
const LEFT = 60;
const RIGHT = 20;
const TOP = 56;
const PLOT_HEIGHT = 220;
const LANE_HEIGHT = 14;
const LANE_GAP = 6;
/** Acknowledgements further apart than this are drawn as separate runs (the writer's period is 20 ms). */
const RUN_BREAK_MS = 150;

export function renderTimeline(input: TimelineInput): string {
  const times = [...input.writes.map((w) => w.at), ...input.probes.map((p) => p.at), input.faultAt, ...input.marks.map((m) => m.at)];
  const start = Math.min(...times);
  const end = Math.max(...times, start + 1);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (at: number) => LEFT + ((at - start) / (end - start)) * plotWidth;
  const ids = input.writes.map((w) => w.id);
  const minId = ids.length > 0 ? Math.min(...ids) : 0;
  const maxId = ids.length > 0 ? Math.max(...ids, minId + 1) : 1;
  const y = (id: number) => TOP + PLOT_HEIGHT - ((id - minId) / (maxId - minId)) * PLOT_HEIGHT;
  const lanesTop = TOP + PLOT_HEIGHT + 34;
  const laneY = (index: number) => lanesTop + index * (LANE_HEIGHT + LANE_GAP);
  const axisY = laneY(input.pods.length) + 4;
  const height = axisY + 56;
  const colour = (pod: string) => POD_COLOURS[Math.max(0, input.pods.indexOf(pod)) % POD_COLOURS.length];

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${LEFT}" y="20" font-size="15" font-weight="bold">${escapeXml(input.title)}</text>`);
  if (input.subtitle) parts.push(`<text x="${LEFT}" y="38" fill="#444">${escapeXml(input.subtitle)}</text>`);
  parts.push(`<rect x="${LEFT}" y="${TOP}" width="${plotWidth}" height="${PLOT_HEIGHT}" fill="none" stroke="#ccc"/>`);
  parts.push(`<text x="14" y="${TOP + PLOT_HEIGHT / 2}" transform="rotate(-90 14 ${TOP + PLOT_HEIGHT / 2})" text-anchor="middle" fill="#444">write id</text>`);

  if (input.gap) {
    parts.push(`<rect x="${fmt(x(input.gap.from))}" y="${TOP}" width="${fmt(Math.max(1, x(input.gap.to) - x(input.gap.from)))}" height="${PLOT_HEIGHT}" fill="#f3e0e0"/>`);
  }

  for (const run of runs(input.writes.map((w) => ({ pod: w.pod, at: w.at, id: w.id })))) {
    const points = thin(run.map((w) => [x(w.at), y(w.id)] as const));
    if (points.length === 1) {
      parts.push(`<circle cx="${fmt(points[0][0])}" cy="${fmt(points[0][1])}" r="1.8" fill="${colour(run[0].pod)}"/>`);
    } else {
      parts.push(`<polyline fill="none" stroke="${colour(run[0].pod)}" stroke-width="2" points="${points.map(([px, py]) => `${fmt(px)},${fmt(py)}`).join(' ')}"/>`);
    }
  }

  parts.push(`<text x="${LEFT}" y="${lanesTop - 10}" fill="#444">direct probe acknowledgements per pod (dual-primary check)</text>`);
  input.pods.forEach((pod, index) => {
    const top = laneY(index);
    parts.push(`<rect x="${LEFT}" y="${top}" width="${plotWidth}" height="${LANE_HEIGHT}" fill="#f7f7f7"/>`);
    parts.push(`<text x="${LEFT - 4}" y="${top + LANE_HEIGHT - 3}" text-anchor="end" font-size="10" fill="#444">${escapeXml(shortName(pod))}</text>`);
    for (const run of runs(input.probes.filter((p) => p.pod === pod).map((p) => ({ pod, at: p.at, id: 0 })))) {
      const from = x(run[0].at);
      const to = x(run[run.length - 1].at);
      parts.push(`<rect x="${fmt(from)}" y="${top + 2}" width="${fmt(Math.max(1, to - from))}" height="${LANE_HEIGHT - 4}" fill="${colour(pod)}"/>`);
    }
  });

  const marks: Array<TimelineMark & { colour: string }> = [
    { at: input.faultAt, label: 'fault', colour: FAULT_COLOUR },
    ...input.marks.map((m) => ({ ...m, colour: MARK_COLOUR })),
  ];
  marks.forEach((mark, index) => {
    const mx = x(mark.at);
    parts.push(`<line x1="${fmt(mx)}" y1="${TOP}" x2="${fmt(mx)}" y2="${axisY}" stroke="${mark.colour}" stroke-width="1.2" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${fmt(mx + 3)}" y="${TOP + 12 + (index % 4) * 13}" font-size="11" fill="${mark.colour}">${escapeXml(mark.label)}</text>`);
  });

  parts.push(`<line x1="${LEFT}" y1="${axisY}" x2="${LEFT + plotWidth}" y2="${axisY}" stroke="#888"/>`);
  for (const tick of ticks((start - input.faultAt) / 1000, (end - input.faultAt) / 1000)) {
    const tx = x(input.faultAt + tick * 1000);
    parts.push(`<line x1="${fmt(tx)}" y1="${axisY}" x2="${fmt(tx)}" y2="${axisY + 4}" stroke="#888"/>`);
    parts.push(`<text x="${fmt(tx)}" y="${axisY + 16}" text-anchor="middle" font-size="10" fill="#444">${formatTick(tick)}</text>`);
  }
  parts.push(`<text x="${LEFT + plotWidth / 2}" y="${axisY + 32}" text-anchor="middle" fill="#444">seconds from the fault</text>`);

  input.pods.forEach((pod, index) => {
    const lx = LEFT + index * 160;
    parts.push(`<rect x="${lx}" y="${axisY + 40}" width="10" height="10" fill="${colour(pod)}"/>`);
    parts.push(`<text x="${lx + 14}" y="${axisY + 49}" fill="#222">${escapeXml(pod)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

interface Point {
  readonly pod: string;
  readonly at: number;
  readonly id: number;
}

/** Consecutive acknowledgements by the same pod, not further apart than RUN_BREAK_MS. */
export function runs<T extends Point>(points: readonly T[]): T[][] {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const result: T[][] = [];
  for (const point of sorted) {
    const current = result[result.length - 1];
    const last = current?.[current.length - 1];
    if (last && last.pod === point.pod && point.at - last.at <= RUN_BREAK_MS) current.push(point);
    else result.push([point]);
  }
  return result;
}

/** Drops points less than a pixel from the last kept one (keeps the ends): smaller files, same picture. */
function thin(points: ReadonlyArray<readonly [number, number]>): Array<readonly [number, number]> {
  const kept: Array<readonly [number, number]> = [];
  points.forEach((point, index) => {
    const last = kept[kept.length - 1];
    if (!last || index === points.length - 1 || Math.abs(point[0] - last[0]) >= 1 || Math.abs(point[1] - last[1]) >= 1) kept.push(point);
  });
  return kept;
}

/** Round tick positions (seconds) between from and to, at most about ten. */
export function ticks(from: number, to: number): number[] {
  const span = Math.max(to - from, 0.001);
  const step = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300].find((s) => span / s <= 10) ?? 600;
  const result: number[] = [];
  for (let tick = Math.ceil(from / step) * step; tick <= to + 1e-9; tick += step) result.push(Math.round(tick * 1000) / 1000 + 0);
  return result;
}

function formatTick(tick: number): string {
  return Number.isInteger(tick) ? String(tick) : tick.toFixed(1);
}

function shortName(pod: string): string {
  const match = /-(\d+)$/.exec(pod);
  return match ? `#${match[1]}` : pod;
}

function fmt(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
