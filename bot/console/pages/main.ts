/// <reference lib="dom" />
// The console tab: connect to the Teams host, sign in with Teams SSO, learn
// which views the person's roles open (the service decides, on every call),
// and show them as tabs. Outside Teams it says where to open it.
import type { MeAnswer } from '../console-api';
import type { PageSettings } from '../page-assets';
import { createApi } from './api';
import { announce, fill, h } from './dom';
import { connectToTeams, onThemeChange, ssoToken, type TeamsTheme } from './teams';
import { errorBox, type ConsoleViewModule, type ViewContext, type ViewPanel } from './view';
import { agentsView } from './views/agents';
import { approvalsView } from './views/approvals';
import { auditView } from './views/audit';
import { countsView } from './views/counts';
import { helpdeskView } from './views/helpdesk';
import { requestsView } from './views/requests';

const VIEWS: readonly ConsoleViewModule[] = [helpdeskView, approvalsView, requestsView, agentsView, auditView, countsView];

function settingsOf(app: HTMLElement): PageSettings {
  try {
    return JSON.parse(app.dataset.settings ?? '{}') as PageSettings;
  } catch {
    return { validMessageOrigins: [], trialHostUrl: null };
  }
}

function applyTheme(theme: TeamsTheme): void {
  document.body.dataset.theme = theme;
}

function outsideTeams(status: HTMLElement, settings: PageSettings): void {
  fill(
    status,
    h('strong', {}, 'Open the ResetDesk console in Microsoft Teams. '),
    'It is a personal app tab there ("ResetDesk" in the apps bar); it signs you in with your Teams account.',
    settings.trialHostUrl
      ? h('span', { class: 'trial' }, ' On this local trial, open it through ', h('a', { href: settings.trialHostUrl, target: '_top' }, 'the trial\'s Teams stand-in'), ', which signs you in as one of the sample people.')
      : null,
  );
  status.classList.add('outside');
}

/** Tabs with roving focus: arrow keys move between them, Home/End jump. */
function renderTabs(nav: HTMLElement, main: HTMLElement, views: ConsoleViewModule[], ctx: ViewContext): void {
  const panels = new Map<string, ViewPanel>();
  const list = h('div', { role: 'tablist', 'aria-label': 'Console views', class: 'tabs' });
  const tabs = views.map((v) =>
    h('button', { type: 'button', role: 'tab', id: `tab-${v.id}`, 'aria-controls': `panel-${v.id}`, 'aria-selected': 'false', tabindex: '-1', 'data-view': v.id }, v.title),
  );
  function open(index: number, focus: boolean): void {
    tabs.forEach((tab, i) => {
      const selected = i === index;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      const panel = panels.get(views[i]!.id);
      if (panel) panel.element.hidden = !selected;
    });
    const view = views[index]!;
    let panel = panels.get(view.id);
    if (!panel) {
      panel = view.create(ctx);
      panel.element.id = `panel-${view.id}`;
      panel.element.setAttribute('role', 'tabpanel');
      panel.element.setAttribute('aria-labelledby', `tab-${view.id}`);
      panel.element.tabIndex = 0;
      panels.set(view.id, panel);
      main.appendChild(panel.element);
    }
    panel.element.hidden = false;
    panel.show();
    if (focus) tabs[index]!.focus();
    history.replaceState(null, '', `#${view.id}`);
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => open(i, false));
    tab.addEventListener('keydown', (e) => {
      const key = (e as KeyboardEvent).key;
      const next = key === 'ArrowRight' ? (i + 1) % tabs.length : key === 'ArrowLeft' ? (i - 1 + tabs.length) % tabs.length : key === 'Home' ? 0 : key === 'End' ? tabs.length - 1 : -1;
      if (next >= 0) {
        e.preventDefault();
        open(next, true);
      }
    });
  });
  fill(list, tabs);
  fill(nav, list);
  const wanted = views.findIndex((v) => `#${v.id}` === location.hash);
  open(wanted >= 0 ? wanted : 0, false);
}

async function start(): Promise<void> {
  const app = document.getElementById('app')!;
  const status = document.getElementById('status')!;
  const settings = settingsOf(app);
  const teams = await connectToTeams(settings.validMessageOrigins);
  if (!teams.inTeams) {
    outsideTeams(status, settings);
    return;
  }
  applyTheme(teams.theme);
  onThemeChange(applyTheme);

  const api = createApi(ssoToken);
  status.textContent = 'Signing you in…';
  let me: MeAnswer;
  try {
    me = await api.get<MeAnswer>('me');
  } catch (err) {
    fill(status, errorBox(err));
    return;
  }
  const who = document.getElementById('signed-in')!;
  who.textContent = `Signed in as ${me.person.displayName ?? teams.userPrincipalName ?? 'you'}${me.roles.length ? ` (${me.roles.join(', ')})` : ''}`;
  const views = VIEWS.filter((v) => me.views.includes(v.id));
  if (views.length === 0) {
    fill(status, h('p', { class: 'message info' }, 'You have no ResetDesk role. The console is for the helpdesk, approvers and ResetDesk admins; ask IT if you should be one of them.'));
    return;
  }
  status.textContent = '';
  status.hidden = true;
  renderTabs(document.getElementById('nav')!, document.getElementById('views')!, views, { api, me });
  announce(`Console ready: ${views.map((v) => v.title).join(', ')}.`);
}

document.addEventListener('DOMContentLoaded', () => {
  start().catch((err: unknown) => {
    const status = document.getElementById('status');
    if (status) fill(status, errorBox(err));
  });
});
