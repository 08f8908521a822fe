/// <reference lib="dom" />
// Audit: browse and filter the hash-chained log, verify the chain from here
// (and see where it breaks), export what the filters select.
import type { AuditAnswer, VerifyAnswer } from '../../api/audit-api';
import { announce, field, fill, h } from '../dom';
import { pagedTable } from '../paged-table';
import { dayStart, when } from '../format';
import { errorBox, type ConsoleViewModule } from '../view';

const BREAK_REASONS: Record<string, string> = {
  hash_mismatch: 'its content no longer matches its hash: it was changed after it was written',
  prev_hash_mismatch: 'it does not link to the entry before it',
  sequence_gap: 'entries before it are missing',
  head_mismatch: 'entries at the end of the log are missing',
};

export const auditView: ConsoleViewModule = {
  id: 'audit',
  title: 'Audit',
  create(ctx) {
    const action = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    const actorId = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    const requestId = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    const from = h('input', { type: 'date' });
    const to = h('input', { type: 'date' });
    const form = h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter the audit log' },
      field('Action', action, 'e.g. agent or request.created'),
      field('Actor', actorId, 'Entra object id, agent id'),
      field('Request id', requestId),
      field('From', from),
      field('Until', to),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Show entries')),
    );
    const verify = h('button', { type: 'button' }, 'Verify the hash chain');
    const exportJsonl = h('button', { type: 'button' }, 'Export JSON Lines');
    const exportCsv = h('button', { type: 'button' }, 'Export CSV');
    const chain = h('div', { class: 'result', 'aria-live': 'polite' });
    const filters = () => ({
      action: action.value.trim() || undefined,
      actorId: actorId.value.trim() || undefined,
      requestId: requestId.value.trim() || undefined,
      from: dayStart(from.value),
      to: dayStart(to.value, true),
    });

    const results = pagedTable<AuditAnswer['entries'][number], number>({
      caption: 'Audit entries, newest first',
      columns: ['#', 'When', 'Actor', 'Action', 'Request', 'Details'],
      noun: ['entry', 'entries'],
      moreLabel: 'Show older entries',
      fetch: async (after) => {
        const answer = await ctx.api.get<AuditAnswer>('audit', { ...filters(), after: after ?? undefined });
        return { items: answer.entries, next: answer.next };
      },
      row: (e) =>
        h(
          'tr',
          { 'data-seq': e.seq },
          h('td', { class: 'num' }, String(e.seq)),
          h('td', {}, h('time', { datetime: e.at }, when(e.at))),
          h('td', {}, `${e.actor.kind}${e.actor.id ? ` ${e.actor.id}` : ''}`),
          h('td', {}, e.action),
          h('td', {}, e.requestId ?? ''),
          h('td', {}, Object.keys(e.details).length ? h('code', { class: 'details' }, JSON.stringify(e.details)) : ''),
        ),
    });
    const element = h(
      'section',
      { class: 'view' },
      h('div', { class: 'view-head' }, h('h2', {}, 'Audit log'), h('div', { class: 'buttons' }, verify, exportJsonl, exportCsv)),
      chain,
      form,
      ...results.elements,
    );

    verify.addEventListener('click', async () => {
      verify.disabled = true;
      fill(chain, h('p', {}, 'Verifying every entry…'));
      try {
        const report = await ctx.api.post<VerifyAnswer>('audit/verify');
        const message = report.ok
          ? h('p', { class: 'message ok', 'data-chain': 'ok' }, `The chain holds: all ${report.entries} entries are as they were written.`)
          : h(
              'p',
              { class: 'message error', role: 'alert', 'data-chain': 'broken', 'data-broken-at': report.brokenAtSeq },
              h('strong', {}, `The chain breaks at entry #${report.brokenAtSeq}: `),
              `${BREAK_REASONS[report.reason] ?? report.reason}. The ${report.brokenAtSeq - 1} entries before it verify.`,
            );
        fill(chain, message);
        announce(message.textContent ?? '');
        if (!report.ok) {
          // Show the entry as it reads now, marked, when the list holds it.
          await results.load(false);
          const row = element.querySelector(`tr[data-seq="${report.brokenAtSeq}"]`);
          row?.classList.add('broken');
          row?.scrollIntoView({ block: 'nearest' });
        }
      } catch (err) {
        fill(chain, errorBox(err));
      } finally {
        verify.disabled = false;
      }
    });
    const download = (format: 'jsonl' | 'csv') => async () => {
      try {
        await ctx.api.download('audit/export', { ...filters(), format }, `resetdesk-audit.${format}`);
        announce('Export downloaded.');
      } catch (err) {
        fill(chain, errorBox(err));
      }
    };
    exportJsonl.addEventListener('click', download('jsonl'));
    exportCsv.addEventListener('click', download('csv'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void results.load(false);
    });
    return { element, show: () => void results.load(false) };
  },
};
