/// <reference lib="dom" />
// Counts at a glance, from the store: today's numbers, the last two weeks
// per day, and why requests did not succeed.
import type { CountsAnswer } from '../../api/counts-api';
import { dayChart, reasonChart } from '../charts';
import { fill, h } from '../dom';
import { dayLabel, dayOfMonth, localMidnight, words } from '../format';
import { errorBox, type ConsoleViewModule } from '../view';

const DAYS = 14;

function tile(label: string, value: number): HTMLElement {
  return h('div', { class: 'tile' }, h('span', { class: 'tile-value' }, String(value)), h('span', { class: 'tile-label' }, label));
}

export const countsView: ConsoleViewModule = {
  id: 'counts',
  title: 'Counts',
  create(ctx) {
    const content = h('div', { 'aria-live': 'polite' });
    const element = h('section', { class: 'view' }, h('h2', {}, 'At a glance'), content);
    async function load(): Promise<void> {
      const now = new Date();
      const since = localMidnight(DAYS - 1, now);
      const until = localMidnight(-1, now);
      try {
        const counts = await ctx.api.get<CountsAnswer>('counts', { since: since.toISOString(), until: until.toISOString(), offset: -now.getTimezoneOffset() });
        const today = counts.days[counts.days.length - 1] ?? { resets: 0, peopleUnlocked: 0, unsuccessful: 0 };
        const bar = (day: string, value: number) => ({ label: dayLabel(day), tick: dayOfMonth(day), value });
        fill(
          content,
          h('div', { class: 'tiles', role: 'group', 'aria-label': 'Today' }, tile('passwords reset today', today.resets), tile('locked-out people helped today', today.peopleUnlocked), tile('requests that did not succeed today', today.unsuccessful)),
          h(
            'div',
            { class: 'charts' },
            dayChart(`Passwords reset, last ${DAYS} days`, counts.days.map((d) => bar(d.day, d.resets)), 'Resets'),
            dayChart(`Locked-out people helped, last ${DAYS} days`, counts.days.map((d) => bar(d.day, d.peopleUnlocked)), 'People'),
            dayChart(`Requests that did not succeed, last ${DAYS} days`, counts.days.map((d) => bar(d.day, d.unsuccessful)), 'Requests'),
            reasonChart(`Why requests did not succeed, last ${DAYS} days`, counts.unsuccessfulByReason.map((r) => ({ label: words(r.code.toLowerCase()), value: r.count }))),
          ),
        );
      } catch (err) {
        fill(content, errorBox(err));
      }
    }
    return { element, show: () => void load() };
  },
};
