/// <reference lib="dom" />
// Agents: each writeback agent's identity and health, confirm a new one
// (after comparing the thumbprint it printed), revoke one, and issue an
// enrollment code, shown once.
import type { AgentsAnswer, EnrollmentCodeAnswer } from '../../api/agents-api';
import { announce, fill, h } from '../dom';
import { relative, when } from '../format';
import { errorBox, problemText, type ConsoleViewModule } from '../view';

type Agent = AgentsAnswer['agents'][number];

/** A code such as AGENT_DIRECTORY_UNAVAILABLE, free to wrap after each underscore. */
function breakable(code: string): Array<string | HTMLElement> {
  return code.split('_').flatMap((part, i) => (i ? ['_', h('wbr'), part] : [part]));
}

function statusBadge(status: Agent['status']): HTMLElement {
  const tone = status === 'active' ? 'ok' : status === 'revoked' ? 'muted' : status === 'waiting for confirmation' ? 'warn' : 'bad';
  return h('span', { class: `badge ${tone}` }, status);
}

export const agentsView: ConsoleViewModule = {
  id: 'agents',
  title: 'Agents',
  create(ctx) {
    const body = h('tbody');
    const result = h('div', { class: 'result', 'aria-live': 'polite' });
    const codeBox = h('div', { class: 'one-time', 'aria-live': 'polite' });
    const issue = h('button', { type: 'button', class: 'primary' }, 'Issue an enrollment code');
    const refresh = h('button', { type: 'button' }, 'Refresh');
    const table = h(
      'table',
      { class: 'grid' },
      h('caption', { class: 'visually-hidden' }, 'Writeback agents'),
      h('thead', {}, h('tr', {}, ['Agent', 'Key thumbprint', 'Status', 'Version', 'Last seen', 'Serves', 'Domain controllers', 'Last hour', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
      body,
    );
    const element = h(
      'section',
      { class: 'view' },
      h('div', { class: 'view-head' }, h('h2', {}, 'Writeback agents'), h('div', { class: 'buttons' }, issue, refresh)),
      codeBox,
      result,
      h('div', { class: 'scroll' }, table),
    );

    async function act(agent: Agent, verb: 'confirm' | 'revoke'): Promise<void> {
      try {
        await ctx.api.post(`agents/${agent.id}/${verb}`);
        // The table first, then the words: whoever reads the words finds the table already changed.
        await load();
        const text = verb === 'confirm' ? `Agent ${agent.name} is confirmed: it gets jobs from now on.` : `Agent ${agent.name} is revoked: it gets no more jobs or passwords.`;
        fill(result, h('p', { class: 'message ok' }, text));
        announce(text);
      } catch (err) {
        fill(result, errorBox(err));
        announce(problemText(err));
      }
    }

    function actions(agent: Agent): HTMLElement {
      const cell = h('div', { class: 'buttons' });
      if (agent.status === 'waiting for confirmation') {
        const confirm = h('button', { type: 'button', class: 'primary', 'aria-label': `Confirm agent ${agent.name}` }, 'Confirm');
        confirm.addEventListener('click', () => void act(agent, 'confirm'));
        cell.append(confirm);
      }
      if (agent.status !== 'revoked') {
        const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke agent ${agent.name}` }, 'Revoke…');
        revoke.addEventListener('click', () => {
          // A second, explicit click: revoking stops every job for this agent.
          const sure = h('button', { type: 'button', class: 'danger' }, `Revoke ${agent.name}`);
          const cancel = h('button', { type: 'button' }, 'Cancel');
          sure.addEventListener('click', () => void act(agent, 'revoke'));
          cancel.addEventListener('click', () => {
            const fresh = actions(agent);
            cell.replaceWith(fresh);
            fresh.querySelector('button')?.focus();
          });
          fill(cell, h('span', {}, 'It will get no more jobs. '), sure, cancel);
          sure.focus();
        });
        cell.append(revoke);
      }
      return cell;
    }

    function row(a: Agent): HTMLElement {
      return h(
        'tr',
        { 'data-agent': a.id },
        h('th', { scope: 'row' }, a.name),
        h('td', {}, h('code', {}, a.keyThumbprint)),
        h('td', {}, statusBadge(a.status)),
        h('td', {}, a.version ?? '—'),
        h('td', {}, a.lastSeenAt ? h('time', { datetime: a.lastSeenAt, title: when(a.lastSeenAt) }, relative(a.lastSeenAt)) : 'never'),
        // A DN may break after each comma, never inside a name.
        h('td', {}, a.managedOus.length ? h('ul', { class: 'plain' }, a.managedOus.map((ou) => h('li', {}, ou.split(',').map((rdn, i) => (i ? [',', h('wbr'), rdn] : rdn))))) : '—'),
        h('td', {}, a.domainControllers === null ? h('span', { class: 'muted' }, 'not reported') : a.domainControllers.map((d) => `${d.url} ${d.reachable ? '✔' : '✘'}`).join(', ')),
        h(
          'td',
          {},
          `${a.jobsLastHour} job${a.jobsLastHour === 1 ? '' : 's'}, ${a.failuresLastHour} failed`,
          a.lastFailure ? h('span', { class: 'muted block' }, 'last: ', breakable(a.lastFailure.code), `, ${relative(a.lastFailure.at)}`) : null,
        ),
        h('td', {}, actions(a)),
      );
    }

    async function load(): Promise<void> {
      try {
        const { agents } = await ctx.api.get<AgentsAnswer>('agents');
        fill(body, agents.length ? agents.map(row) : h('tr', {}, h('td', { colspan: '9', class: 'empty' }, 'No agent is enrolled yet. Issue an enrollment code and enroll one.')));
      } catch (err) {
        fill(result, errorBox(err));
      }
    }

    issue.addEventListener('click', async () => {
      issue.disabled = true;
      try {
        const issued = await ctx.api.post<EnrollmentCodeAnswer>('enrollment-codes', {});
        const code = h('code', { class: 'secret', id: 'enrollment-code' }, issued.code);
        const done = h('button', { type: 'button' }, 'I have copied it: hide the code');
        done.addEventListener('click', () => {
          fill(codeBox);
          issue.focus();
        });
        fill(
          codeBox,
          h('h3', {}, 'Enrollment code (shown once)'),
          h('p', {}, 'On the agent\'s server run ', h('code', {}, 'resetdesk-agent --config <file> enroll --service https://<this host>'), ' and give it this code. It works once, until ', when(issued.expiresAt), '. ResetDesk keeps only its hash: it cannot show it again.'),
          code,
          done,
        );
        done.focus();
        announce('Enrollment code issued and shown once.');
      } catch (err) {
        fill(codeBox, errorBox(err));
      } finally {
        issue.disabled = false;
      }
    });
    refresh.addEventListener('click', () => void load());
    return { element, show: () => void load() };
  },
};
