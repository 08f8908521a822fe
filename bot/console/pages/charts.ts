/// <reference lib="dom" />
// Small bar charts in SVG, each with a table of the same numbers for screen
// readers (the picture is aria-hidden). Colours come from the theme's CSS.
import { h, svg, uid } from './dom';

export interface Bar {
  label: string;
  /** A short axis label (a day of the month); the full label is in the table. */
  tick?: string;
  value: number;
}

const WIDTH = 320;
const HEIGHT = 120;
const LABEL_SPACE = 18;

/** Vertical bars, one per day. */
export function dayChart(title: string, bars: Bar[], unit: string): HTMLElement {
  const id = uid('chart');
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = WIDTH / Math.max(1, bars.length);
  const plot = HEIGHT - LABEL_SPACE;
  const picture = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', 'aria-hidden': 'true', focusable: 'false', preserveAspectRatio: 'none' },
    bars.map((b, i) => {
      const height = b.value === 0 ? 1 : Math.max(2, Math.round((b.value / max) * (plot - 12)));
      return svg(
        'g',
        {},
        svg('rect', { x: (i * slot + slot * 0.15).toFixed(1), y: String(plot - height), width: (slot * 0.7).toFixed(1), height: String(height), class: b.value === 0 ? 'bar zero' : 'bar' }),
        b.value > 0 ? svg('text', { x: (i * slot + slot / 2).toFixed(1), y: String(plot - height - 2), class: 'value', 'text-anchor': 'middle' }, String(b.value)) : null,
        svg('text', { x: (i * slot + slot / 2).toFixed(1), y: String(HEIGHT - 4), class: 'axis', 'text-anchor': 'middle' }, b.tick ?? b.label),
      );
    }),
  );
  return h(
    'figure',
    { class: 'chart-box', 'aria-labelledby': id },
    h('figcaption', { id }, title),
    picture,
    h(
      'table',
      { class: 'visually-hidden' },
      h('caption', {}, title),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), h('th', { scope: 'col' }, unit))),
      h('tbody', {}, bars.map((b) => h('tr', {}, h('th', { scope: 'row' }, b.label), h('td', {}, String(b.value))))),
    ),
  );
}

/** Horizontal bars, one per reason, longest first. */
export function reasonChart(title: string, bars: Bar[]): HTMLElement {
  const id = uid('chart');
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 22;
  const height = Math.max(row, bars.length * row);
  const labelWidth = 190;
  const picture = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH + 120} ${height}`, class: 'chart reasons', 'aria-hidden': 'true', focusable: 'false' },
    bars.map((b, i) =>
      svg(
        'g',
        {},
        svg('text', { x: String(labelWidth - 6), y: String(i * row + 15), class: 'axis', 'text-anchor': 'end' }, b.label),
        svg('rect', { x: String(labelWidth), y: String(i * row + 4), width: String(Math.max(2, Math.round((b.value / max) * (WIDTH - 90)))), height: String(row - 8), class: 'bar bad' }),
        svg('text', { x: String(labelWidth + Math.max(2, Math.round((b.value / max) * (WIDTH - 90))) + 4), y: String(i * row + 15), class: 'value' }, String(b.value)),
      ),
    ),
  );
  return h(
    'figure',
    { class: 'chart-box wide', 'aria-labelledby': id },
    h('figcaption', { id }, title),
    bars.length ? picture : h('p', { class: 'empty' }, 'None.'),
    h(
      'table',
      { class: 'visually-hidden' },
      h('caption', {}, title),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Reason'), h('th', { scope: 'col' }, 'Requests'))),
      h('tbody', {}, bars.map((b) => h('tr', {}, h('th', { scope: 'row' }, b.label), h('td', {}, String(b.value))))),
    ),
  );
}
