/// <reference lib="dom" />
// Approvals: what waits for an approver, with everything the channel card
// shows, and Approve / Deny (with a reason) under the same rules as the card.
import type { ApprovalsAnswer, DecisionAnswer } from '../../api/approvals-api';
import { announce, field, fill, h } from '../dom';
import { relative, when } from '../format';
import { errorBox, problemText, type ConsoleViewModule, type ViewContext } from '../view';

type Pending = ApprovalsAnswer['approvals'][number];

type Check = NonNullable<Pending['checksPassed']>[number];

function checkText(c: Check): string {
  switch (c.kind) {
    case 'email':
      return `code by e-mail to ${c.address}`;
    case 'sms':
      return `code by text message to ${c.phoneNumber}`;
    case 'manager':
      return `confirmed by ${c.managerName}`;
    case 'mfa':
      return 'signed in again with MFA';
    case 'helpdesk':
      return `verified by the helpdesk (${c.agentName})`;
    default:
      return 'a check';
  }
}

function card(ctx: ViewContext, a: Pending, reload: () => void): HTMLElement {
  const checks = a.checksPassed ?? [];
  const approvedBy = a.approvedBy ?? [];
  const approvalsRequired = a.approvalsRequired ?? 1;
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const reason = h('textarea', { rows: 2, maxlength: 500, required: true });
  const reasonField = field('Reason for denying (the requester reads it)', reason);
  reasonField.hidden = true;
  const approve = h('button', { type: 'button', class: 'primary' }, 'Approve');
  const deny = h('button', { type: 'button', class: 'danger' }, 'Deny…');
  const sendDeny = h('button', { type: 'button', class: 'danger' }, 'Deny with this reason');
  sendDeny.hidden = true;
  const buttons = [approve, deny, sendDeny];

  async function decide(body: { outcome: 'approved' } | { outcome: 'denied'; reason: string }): Promise<void> {
    buttons.forEach((b) => (b.disabled = true));
    try {
      const answer = await ctx.api.post<DecisionAnswer>(`approvals/${a.requestId}/decision`, body);
      const text = answer.refused ?? (body.outcome === 'approved' ? (answer.state === 'awaiting_approval' ? 'Approved; another approver must approve too.' : 'Approved.') : 'Denied.');
      fill(result, h('p', { class: answer.refused ? 'message error' : 'message ok', role: answer.refused ? 'alert' : null }, text));
      announce(text);
      if (!answer.refused) window.setTimeout(reload, 1500);
      else buttons.forEach((b) => (b.disabled = false));
    } catch (err) {
      fill(result, errorBox(err));
      announce(problemText(err));
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  approve.addEventListener('click', () => void decide({ outcome: 'approved' }));
  deny.addEventListener('click', () => {
    reasonField.hidden = false;
    sendDeny.hidden = false;
    deny.hidden = true;
    reason.focus();
  });
  sendDeny.addEventListener('click', () => {
    const text = reason.value.trim();
    if (text.length < 3) {
      fill(result, h('p', { class: 'message error', role: 'alert' }, 'Say why you deny it, in a few words: the requester reads your reason.'));
      reason.focus();
      return;
    }
    void decide({ outcome: 'denied', reason: text });
  });

  const headingId = `approval-${a.requestId}`;
  return h(
    'article',
    { class: 'card', 'aria-labelledby': headingId, 'data-request': a.requestId },
    h('h3', { id: headingId }, `${a.operation === 'unlock' ? 'Unlock' : 'Password reset'} for ${a.account.displayName} (${a.account.account})`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Asked by'),
      h('dd', {}, `${a.requester.displayName}${a.startedBy === 'helpdesk' ? ' (helpdesk)' : ` (${a.requester.account})`}`),
      h('dt', {}, 'Why approval is needed'),
      h('dd', {}, h('ul', {}, a.privilegedBecause.map((p) => h('li', {}, p)))),
      h('dt', {}, 'Checks passed'),
      h('dd', {}, checks.length ? h('ul', {}, checks.map((c) => h('li', {}, checkText(c)))) : 'None'),
      h('dt', {}, 'Asked'),
      h('dd', {}, when(a.askedAt)),
      h('dt', {}, 'Decide by'),
      h('dd', {}, `${when(a.expiresAt)} (${relative(a.expiresAt)})`),
      approvalsRequired > 1 ? [h('dt', {}, 'Approvers needed'), h('dd', {}, `${approvedBy.length} of ${approvalsRequired}${approvedBy.length ? `: ${approvedBy.join(', ')}` : ''}`)] : null,
    ),
    a.mayDecide
      ? h('div', { class: 'actions' }, reasonField, h('div', { class: 'buttons' }, approve, deny, sendDeny))
      : h('p', { class: 'message info' }, a.mayNotBecause?.message ?? 'You cannot decide on this request.'),
    result,
  );
}

export const approvalsView: ConsoleViewModule = {
  id: 'approvals',
  title: 'Approvals',
  create(ctx) {
    const list = h('div', { class: 'cards', 'aria-live': 'polite', 'aria-busy': 'false' });
    const refresh = h('button', { type: 'button' }, 'Refresh');
    const element = h('section', { class: 'view' }, h('div', { class: 'view-head' }, h('h2', {}, 'Requests waiting for an approver'), refresh), list);
    async function load(): Promise<void> {
      list.setAttribute('aria-busy', 'true');
      try {
        const { approvals } = await ctx.api.get<ApprovalsAnswer>('approvals');
        fill(list, approvals.length ? approvals.map((a) => card(ctx, a, () => void load())) : h('p', { class: 'empty' }, 'Nothing is waiting for an approver.'));
        announce(approvals.length === 1 ? '1 request waits for an approver.' : `${approvals.length} requests wait for an approver.`);
      } catch (err) {
        fill(list, errorBox(err));
      } finally {
        list.setAttribute('aria-busy', 'false');
      }
    }
    refresh.addEventListener('click', () => void load());
    return { element, show: () => void load() };
  },
};
