/// <reference lib="dom" />
// Requests: every request, filtered by state, person, kind and dates, and
// one request's timeline (its audit entries, approvals and agent jobs).
import type { RequestDetailAnswer, RequestsAnswer } from '../../api/requests-api';
import { field, fill, h } from '../dom';
import { pagedTable } from '../paged-table';
import { dayStart, kindName, when, words } from '../format';
import { errorBox, type ConsoleViewModule } from '../view';

type Row = RequestsAnswer['requests'][number];

const STATES = ['started', 'verifying', 'verified', 'awaiting_approval', 'approved', 'denied', 'expired', 'queued', 'applying', 'succeeded', 'failed', 'closed'];
const KINDS = ['reset', 'unlock', 'change', 'status'];

function select(options: string[], all: string): HTMLSelectElement {
  return h('select', {}, h('option', { value: '' }, all), options.map((o) => h('option', { value: o }, words(o))));
}

function stateBadge(state: string): HTMLElement {
  const tone = state === 'succeeded' ? 'ok' : ['failed', 'denied', 'expired'].includes(state) ? 'bad' : state === 'closed' ? 'muted' : 'busy';
  return h('span', { class: `badge ${tone}` }, words(state));
}

export const requestsView: ConsoleViewModule = {
  id: 'requests',
  title: 'Requests',
  create(ctx) {
    const state = select(STATES, 'Any state');
    const kind = select(KINDS, 'Any kind');
    const person = h('input', { type: 'search', autocomplete: 'off', spellcheck: 'false' });
    const from = h('input', { type: 'date' });
    const to = h('input', { type: 'date' });
    const form = h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter requests' },
      field('State', state),
      field('Kind', kind),
      field('Person', person, 'Name, account or Entra object id'),
      field('Created from', from),
      field('Created until', to),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Show requests')),
    );
    const detail = h('section', { class: 'detail', 'aria-live': 'polite', 'aria-label': 'Request details' });
    const results = pagedTable<Row, string>({
      caption: 'Requests, newest first',
      columns: ['Created', 'Kind', 'Account', 'State', 'Started by', 'Result', h('span', { class: 'visually-hidden' }, 'Timeline')],
      noun: ['request', 'requests'],
      moreLabel: 'Show more',
      fetch: async (after) => {
        const answer = await ctx.api.get<RequestsAnswer>('requests', {
          state: state.value || undefined,
          kind: kind.value || undefined,
          person: person.value.trim() || undefined,
          from: dayStart(from.value),
          to: dayStart(to.value, true),
          after: after ?? undefined,
        });
        return { items: answer.requests, next: answer.next };
      },
      row,
    });
    const element = h('section', { class: 'view' }, h('h2', {}, 'Requests'), form, ...results.elements, detail);

    function row(r: Row): HTMLElement {
      const open = h('button', { type: 'button', class: 'link' }, 'Timeline');
      open.setAttribute('aria-label', `Timeline of the ${r.kind} for ${r.account?.displayName ?? r.ownerAadId}`);
      open.addEventListener('click', () => void showDetail(r.id, open));
      return h(
        'tr',
        { 'data-request': r.id },
        h('td', {}, when(r.createdAt)),
        h('td', {}, h('span', {}, words(r.kind)), r.privileged ? h('span', { class: 'badge warn' }, 'privileged') : null),
        h('td', {}, r.account ? `${r.account.displayName} (${r.account.samAccountName})` : r.ownerAadId),
        h('td', {}, stateBadge(r.state)),
        h('td', {}, r.requestedBy ? 'helpdesk' : 'the person'),
        h('td', {}, r.resultCode ?? ''),
        h('td', {}, open),
      );
    }

    async function showDetail(id: string, from: HTMLElement): Promise<void> {
      fill(detail, h('p', {}, 'Loading…'));
      try {
        const d = await ctx.api.get<RequestDetailAnswer>(`requests/${id}`);
        const close = h('button', { type: 'button' }, 'Close timeline');
        close.addEventListener('click', () => {
          fill(detail);
          from.focus();
        });
        const who = (id: string | undefined) => (id ? (d.names[id] ?? id) : '');
        const heading = h('h3', { tabindex: '-1' }, `${kindName(d.request.kind)} for ${d.request.account?.displayName ?? who(d.request.ownerAadId)}`);
        fill(
          detail,
          heading,
          h('p', {}, stateBadge(d.request.state), ` ${d.request.resultMessage ?? ''}`),
          h(
            'ol',
            { class: 'timeline' },
            d.timeline.map((e) =>
              h('li', {}, h('time', { datetime: e.at }, when(e.at)), ' ', h('strong', {}, e.action), ` by ${e.actor.id && d.names[e.actor.id] ? `${d.names[e.actor.id]} (${e.actor.kind})` : `${e.actor.kind}${e.actor.id ? ` ${e.actor.id}` : ''}`}`,
                Object.keys(e.details).length ? h('code', { class: 'details' }, JSON.stringify(e.details)) : null),
            ),
          ),
          d.request.requestedBy ? h('p', {}, `Started by the helpdesk: ${who(d.request.requestedBy)}.`) : null,
          d.approvals.length ? h('p', {}, `Approvals: ${d.approvals.map((a) => `${a.decision} by ${who(a.approverAadId)} at ${when(a.decidedAt)}`).join('; ')}`) : null,
          d.jobs.length ? h('p', {}, `Agent jobs: ${d.jobs.map((j) => `${j.kind} ${j.state}${j.result ? ` (${j.result.code})` : ''}`).join('; ')}`) : null,
          close,
        );
        heading.focus();
      } catch (err) {
        fill(detail, errorBox(err));
      }
    }

    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void results.load(false);
    });
    return { element, show: () => void results.load(false) };
  },
};
