/// <reference lib="dom" />
// Helpdesk: find the person, see the account, then (as on the bot's cards)
// choose the ticket and unlock or reset first, and verify the caller through
// the request's own steps. Each step's token is single-use, so the page always
// answers with the token of the latest answer, and waits (polling) while the
// owner, an approver or an agent has the next move. A reset's temporary
// password goes to the person's verified method, or (a service setting) is
// shown here once to the member who started it: the service answers the
// reveal one time only, and the page drops it as soon as it is hidden.
import type { AccountState, AssistedRequest, NextStep, PersonMatch } from '../../use-cases';
import { ApiError } from '../api';
import { announce, field, fill, h } from '../dom';
import { when, words } from '../format';
import { errorBox, problemText, type ConsoleViewModule, type ViewContext } from '../view';

const TERMINAL = new Set(['succeeded', 'failed', 'denied', 'expired', 'closed']);
const POLL_MS = 2000;

type ChooseStep = Extract<NextStep, { step: 'choose_method' }>;
type CodeStep = Extract<NextStep, { step: 'enter_code' }>;

function accountFacts(state: AccountState): HTMLElement {
  const a = state.account;
  if (!a) return h('p', { class: 'message info' }, 'The account\'s state could not be read.');
  const yesNo = (v: boolean) => (v ? 'yes' : 'no');
  return h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Account'),
    h('dd', {}, state.accountName ?? '—'),
    h('dt', {}, 'Locked out'),
    h('dd', {}, yesNo(a.locked)),
    h('dt', {}, 'Disabled'),
    h('dd', {}, yesNo(a.disabled)),
    h('dt', {}, 'Password expired'),
    h('dd', {}, a.passwordExpired ? 'yes' : a.passwordExpiresAt ? `no, expires ${when(a.passwordExpiresAt)}` : 'no'),
    h('dt', {}, 'Password last set'),
    h('dd', {}, when(a.passwordLastSetAt)),
    h('dt', {}, 'Must change it at sign-in'),
    h('dd', {}, yesNo(a.mustChange)),
  );
}

function approvalNote(state: AccountState): HTMLElement | null {
  if (state.approvalsRequired <= 0) return null;
  const who = state.approvalsRequired === 1 ? 'An approver must approve first' : `${state.approvalsRequired} different approvers must approve first`;
  const why = state.approvalReasons.length ? `: ${state.approvalReasons.join('; ')}` : '';
  return h('p', { class: 'message info', 'data-approvals': String(state.approvalsRequired) }, `${who}${why}.`);
}

/** The words for a request that ended, or is ended for this page. */
function finishedText(r: AssistedRequest): string {
  if (r.state === 'succeeded') {
    if (r.kind === 'unlock') return 'Done: the account is unlocked.';
    if (r.temporaryPassword === 'verified-method') return 'Done: a temporary password was sent to their verified phone or e-mail; they must change it at sign-in.';
    return r.revealAvailable ? 'Done: the password is reset to a temporary one.' : 'Done: the password is reset. Its temporary password was shown once already and cannot be shown again.';
  }
  const why = r.resultMessage ?? (r.resultCode ? words(r.resultCode.toLowerCase()) : null);
  return `${words(r.state).replace(/^./, (c) => c.toUpperCase())}${why ? `: ${why}` : '.'}`;
}

function workflow(ctx: ViewContext, person: PersonMatch, state: AccountState, area: HTMLElement): void {
  const heading = h('h3', { tabindex: '-1' }, `${state.displayName} (${person.userPrincipalName})`);
  if (state.restriction) {
    fill(area, heading, accountFacts(state), h('p', { class: 'message info', 'data-restriction': state.restriction.code }, state.restriction.message));
    heading.focus();
    return;
  }

  // 1. The ticket and what to do, chosen before the caller is verified (as on the cards).
  const ticket = h('input', { type: 'text', autocomplete: 'off', maxlength: 64, required: true });
  const kind = h('select', {}, h('option', { value: 'unlock' }, 'Unlock the account (keep the password)'), h('option', { value: 'reset' }, 'Reset the password to a temporary one'));
  const start = h('button', { type: 'submit', class: 'primary' }, 'Start');
  const startMessage = h('div', { 'aria-live': 'polite' });
  const startForm = h('form', { class: 'filters', 'aria-label': 'Ticket and what to do', novalidate: true }, field('Ticket number', ticket), field('What to do', kind, 'A reset\'s temporary password must be changed at the next sign-in.'), h('div', { class: 'buttons' }, start));
  // 2. The caller's check, then the request until it ends.
  const stepArea = h('div', { class: 'step' });
  // Above the step's controls, so a notice ("2 tries left") is read before the field it is about.
  const message = h('div', { class: 'step-message', 'aria-live': 'polite' });
  const stepHeading = h('h4', {}, '2. Verify the caller');
  const verify = h('section', { 'aria-label': 'Verify the caller' }, stepHeading, message, stepArea);
  verify.hidden = true;
  fill(area, heading, accountFacts(state), approvalNote(state), h('h4', {}, '1. Ticket and what to do'), startForm, startMessage, verify);
  heading.focus();

  /** Still on screen: a new search or another person ends this workflow, and its polling. */
  const alive = () => verify.isConnected;
  let requestId = '';
  let waitingText = 'Waiting…';
  let poll: number | undefined;

  startForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!ticket.value.trim()) {
      fill(startMessage, h('p', { class: 'message error', role: 'alert' }, 'Give the ticket number the call is logged under.'));
      ticket.focus();
      return;
    }
    start.disabled = true;
    fill(startMessage);
    try {
      const started = await ctx.api.post<AssistedRequest>('helpdesk/requests', { personId: person.aadObjectId, ticket: ticket.value.trim(), kind: kind.value });
      // The request is under way: its ticket and kind are fixed now.
      ticket.readOnly = true;
      kind.disabled = true;
      requestId = started.requestId;
      verify.hidden = false;
      show(started);
    } catch (err) {
      fill(startMessage, errorBox(err));
      announce(problemText(err));
      start.disabled = false;
    }
  });

  function say(text: string, tone: 'ok' | 'error' | 'info' | null = null): void {
    fill(message, text ? h('p', { class: tone ? `message ${tone}` : '', role: tone === 'error' ? 'alert' : null }, text) : null);
    if (text && tone !== 'error') announce(text);
  }

  /**
   * A call that failed. After a stale step (409: its token was used, or the
   * request moved on) only a reload helps; a refused input (a malformed
   * code, a limit) leaves the step's token valid, so the step may be tried again.
   */
  function failed(err: unknown, retry: HTMLButtonElement[]): void {
    const stale = !(err instanceof ApiError) || [404, 409, 410].includes(err.status) || retry.length === 0;
    const reload = h('button', { type: 'button' }, 'Reload the request');
    reload.addEventListener('click', () => {
      reload.disabled = true;
      void refresh();
    });
    fill(message, errorBox(err), h('div', { class: 'buttons' }, reload));
    announce(problemText(err));
    if (stale) reload.focus();
    else retry.forEach((b) => (b.disabled = false));
  }

  async function refresh(): Promise<void> {
    try {
      show(await ctx.api.get<AssistedRequest>(`helpdesk/requests/${requestId}`));
    } catch (err) {
      failed(err, []);
    }
  }

  async function check(body: Record<string, string>, buttons: HTMLButtonElement[]): Promise<void> {
    buttons.forEach((b) => (b.disabled = true));
    try {
      show(await ctx.api.post<AssistedRequest>(`helpdesk/requests/${requestId}/check`, body));
    } catch (err) {
      failed(err, buttons);
    }
  }

  /** Renders the latest answer: the step it waits for, a wait, or the end. */
  function show(r: AssistedRequest): void {
    window.clearTimeout(poll);
    if (!alive()) return;
    const next = r.next;
    // Once the caller is verified, the section follows the request itself.
    const checking = r.state === 'started' || r.state === 'verifying';
    stepHeading.textContent = checking ? '2. Verify the caller' : '3. The request';
    verify.setAttribute('aria-label', checking ? 'Verify the caller' : 'The request');
    if (next?.step === 'choose_method') return chooseStep(next);
    if (next?.step === 'enter_code') return codeStep(next);
    if (TERMINAL.has(r.state) && next === null) return finished(r);
    if (next?.step === 'wait_owner') waitingText = `Waiting for ${next.displayName} to confirm in Teams…`;
    else if (next?.step === 'wait_approval' || r.state === 'awaiting_approval') waitingText = 'Waiting for an approver…';
    else if (next?.step === 'working' || r.state !== 'verifying') waitingText = 'Working on it…';
    // A check still open without a step for this page (the owner has not answered yet) keeps its last words.
    const shown = stepArea.querySelector('[data-waiting]');
    if (shown?.textContent !== waitingText) {
      fill(stepArea, h('p', { 'data-waiting': r.state }, waitingText));
      fill(message);
      announce(waitingText);
    }
    poll = window.setTimeout(() => void (alive() ? refresh() : undefined), POLL_MS);
  }

  function chooseStep(next: ChooseStep): void {
    const again = next.progress !== null && next.progress.current > 1;
    const method = h('select', {}, next.methods.map((m) => h('option', { value: m.id }, m.label)));
    const send = h('button', { type: 'submit', class: 'primary' }, 'Send');
    const form = h('form', { class: 'filters', 'aria-label': again ? 'One more check' : 'How to check the caller' }, field('How', method), h('div', { class: 'buttons' }, send));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void check({ do: 'choose_method', stepToken: next.stepToken, method: method.value }, [send]);
    });
    const title = again ? `One more check (${next.progress!.current} of ${next.progress!.total})` : next.progress ? `Check 1 of ${next.progress.total}` : null;
    fill(stepArea, title ? h('p', { class: 'progress' }, h('strong', {}, title)) : null, form);
    fill(message);
    if (again) announce(`${title}: choose how.`);
    method.focus();
  }

  function codeStep(next: CodeStep): void {
    // Not autocomplete="one-time-code": the code is the caller's, and the browser must not offer the member's own.
    const code = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false', maxlength: 16, required: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Check the code');
    const resend = h('button', { type: 'button' }, 'Send a new code');
    const form = h('form', { class: 'filters', 'aria-label': 'The code the caller read', novalidate: true }, field('Code the caller read', code, `${next.codeLength} digits`), h('div', { class: 'buttons' }, submit, resend));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!code.value.trim()) {
        say('Type the code the caller reads to you.', 'error');
        code.focus();
        return;
      }
      void check({ do: 'submit_code', stepToken: next.stepToken, code: code.value.trim() }, [submit, resend]);
    });
    resend.addEventListener('click', () => void check({ do: 'resend_code', stepToken: next.stepToken }, [submit, resend]));
    const progress = next.progress ? h('p', { class: 'progress' }, h('strong', {}, `Check ${next.progress.current} of ${next.progress.total}`)) : null;
    fill(stepArea, progress, h('p', {}, `A code went to ${next.sentTo}. Ask the caller to read it to you.`), form);
    if (next.notice) say(next.notice, /not right|expired/.test(next.notice) ? 'error' : 'info');
    else fill(message);
    code.focus();
  }

  function finished(r: AssistedRequest): void {
    const text = finishedText(r);
    const ok = r.state === 'succeeded';
    const outcome = h('div', { class: 'outcome' });
    fill(stepArea, h('p', { class: ok ? 'message ok' : 'message error', role: ok ? null : 'alert' }, text), outcome);
    fill(message);
    announce(text);
    if (ok && r.revealAvailable) revealOnce(r.requestId, outcome);
  }

  function revealOnce(id: string, outcome: HTMLElement): void {
    const reveal = h('button', { type: 'button', class: 'primary' }, 'Show the temporary password (once)');
    reveal.addEventListener('click', async () => {
      reveal.disabled = true;
      try {
        // Straight from the answer into the element: no variable of the page holds it.
        const secret = h('code', { class: 'secret', id: 'temporary-password' }, (await ctx.api.post<{ temporaryPassword: string }>(`helpdesk/requests/${id}/reveal`)).temporaryPassword);
        const hide = h('button', { type: 'button' }, 'I have read it to the caller: hide it');
        const box = h('div', { class: 'one-time' }, h('p', {}, 'Read it to the caller now. It is shown this once only; they must change it at sign-in.'), secret, hide);
        hide.addEventListener('click', () => {
          secret.replaceChildren();
          box.remove();
          fill(outcome, h('p', { class: 'message info' }, 'Hidden. It cannot be shown again.'));
          announce('The temporary password is hidden.');
          heading.focus();
        });
        fill(outcome, box);
        hide.focus();
      } catch (err) {
        fill(outcome, errorBox(err));
        announce(problemText(err));
      }
    });
    fill(outcome, reveal);
    reveal.focus();
  }
}

export const helpdeskView: ConsoleViewModule = {
  id: 'helpdesk',
  title: 'Helpdesk',
  create(ctx) {
    const query = h('input', { type: 'search', autocomplete: 'off', spellcheck: 'false', minlength: 2 });
    const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Find a person' }, field('Find a person', query, 'Name, e-mail or account name'), h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Search')));
    const results = h('div', { class: 'results', 'aria-live': 'polite' });
    const work = h('section', { class: 'work', 'aria-label': 'The selected person' });
    const element = h('section', { class: 'view' }, h('h2', {}, 'Help a caller'), form, results, work);

    async function open(person: PersonMatch): Promise<void> {
      fill(work, h('p', {}, `Reading ${person.displayName}'s account…`));
      try {
        workflow(ctx, person, await ctx.api.get<AccountState>(`helpdesk/people/${person.aadObjectId}`), work);
      } catch (err) {
        fill(work, errorBox(err));
        announce(problemText(err));
      }
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      fill(work);
      try {
        const { people } = await ctx.api.get<{ people: PersonMatch[] }>('helpdesk/people', { query: query.value.trim() });
        fill(
          results,
          people.length
            ? h('ul', { class: 'people' }, people.map((p) => {
                const choose = h('button', { type: 'button', class: 'link' }, `${p.displayName} (${p.userPrincipalName})`);
                choose.addEventListener('click', () => void open(p));
                const about = [p.jobTitle, p.department].filter(Boolean).join(', ');
                return h('li', {}, choose, about ? h('span', { class: 'muted' }, ` ${about}`) : null);
              }))
            : h('p', { class: 'empty' }, 'Nobody matches.'),
        );
        announce(people.length === 1 ? '1 person found.' : `${people.length} people found.`);
      } catch (err) {
        fill(results, errorBox(err));
        announce(problemText(err));
      }
    });
    return { element, show: () => undefined };
  },
};
