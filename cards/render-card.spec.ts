import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'adaptivecards-templating';
import { isResetDeskError } from '../bot/errors';
import { assertSafeCard, cardAttachment, cardInvokeResponse, cardTemplate } from './render-card';

const base = { type: 'AdaptiveCard', version: '1.5' };

describe('rendering a card template', () => {
  it('fills the bindings and returns the card', () => {
    const render = cardTemplate<{ name: string }>({ ...base, body: [{ type: 'TextBlock', text: 'Hi ${name}', wrap: true }] }, 'test');
    expect(render({ name: 'Jo' }).body).toEqual([{ type: 'TextBlock', text: 'Hi Jo', wrap: true }]);
  });

  it('a card of the same kind for another request is the same expansion with that request\'s id and token', () => {
    const payload = {
      ...base,
      body: [{ type: 'TextBlock', text: 'Hi ${name}', wrap: true }],
      actions: [{ type: 'Action.Execute', verb: 'menu.show', data: { requestId: '${requestId}', stepToken: '${stepToken}' } }],
    };
    const render = cardTemplate<{ name: string; requestId: string; stepToken: string }>(payload, 'test');
    const views = [
      { name: 'Ada', requestId: 'r-1', stepToken: 't-1' },
      { name: 'Ada', requestId: 'r-2', stepToken: 't-$&-"quoted"' },
      { name: 'Bo', requestId: 'r-3', stepToken: 't-3' },
    ];
    for (const view of views) expect(render(view)).toEqual(new Template(payload).expand({ $root: view }));
  });

  it('every template places the request id and step token only as whole values, which is what lets an expansion be reused', () => {
    const dir = join(__dirname, 'templates');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      const uses = [...text.matchAll(/"[^"]*(requestId|stepToken)[^"]*"/g)].map((m) => m[0]);
      for (const use of uses) expect([`"\${requestId}"`, `"\${stepToken}"`, '"requestId"', '"stepToken"']).toContain(use);
    }
  });

  it('a template that uses the token inside a longer text is expanded afresh for every card', () => {
    const payload = { ...base, body: [{ type: 'TextBlock', text: 'token ${stepToken} for ${requestId}', wrap: true }] };
    const render = cardTemplate<{ requestId: string; stepToken: string }>(payload, 'test');
    expect(JSON.stringify(render({ requestId: 'r-1', stepToken: 'first' }))).toContain('token first for r-1');
    expect(JSON.stringify(render({ requestId: 'r-2', stepToken: 'second' }))).toContain('token second for r-2');
  });

  it('refuses to render a template that gives a password input a value, however the value got there', () => {
    const render = cardTemplate<{ typed: string }>(
      { ...base, body: [{ type: 'Input.Text', id: 'anything', style: 'password', value: '${typed}' }] },
      'broken',
    );
    expect(() => render({ typed: 'canary-Pw-4711' })).toThrow(expect.objectContaining({ code: 'CARD_UNSAFE' }));
    try {
      render({ typed: 'canary-Pw-4711' });
    } catch (err) {
      expect(isResetDeskError(err, 'CARD_UNSAFE')).toBe(true);
      expect(JSON.stringify({ message: (err as Error).message, details: (err as { details: unknown }).details })).not.toContain('canary-Pw-4711');
    }
  });

  it.each(['code', 'newPassword', 'confirmPassword', 'currentPassword'])('refuses a value on the secret input "%s" even without password style', (id) => {
    expect(() => assertSafeCard({ ...base, body: [{ type: 'Input.Text', id, value: '' }] }, 'broken')).toThrow(/must not have a value/);
  });

  it('refuses an action that carries a secret-named field in its data', () => {
    const card = { ...base, body: [], actions: [{ type: 'Action.Execute', verb: 'password.submit', data: { newPassword: 'x' } }] };
    expect(() => assertSafeCard(card, 'broken')).toThrow(/secret-named field "newPassword"/);
  });

  it('refuses anything that is not an Adaptive Card 1.5', () => {
    expect(() => assertSafeCard({ type: 'AdaptiveCard', version: '1.6', body: [] }, 'x')).toThrow(/Adaptive Card 1.5/);
    expect(() => assertSafeCard({ type: 'HeroCard', version: '1.5', body: [] }, 'x')).toThrow(/Adaptive Card 1.5/);
  });

  it('drops an action list that every button was switched off from', () => {
    const render = cardTemplate<{ show: boolean }>({ ...base, body: [], actions: [{ $when: '${show}', type: 'Action.Execute', verb: 'menu.show' }] }, 't');
    expect(render({ show: false })).not.toHaveProperty('actions');
  });

  it('wraps a card as the attachment Bot Framework expects', () => {
    const card = { type: 'AdaptiveCard' as const, version: '1.5' as const, body: [] };
    expect(cardAttachment(card)).toEqual({ contentType: 'application/vnd.microsoft.card.adaptive', content: card });
  });

  it('wraps a card as the invoke response that replaces the clicked card', () => {
    const card = { type: 'AdaptiveCard' as const, version: '1.5' as const, body: [] };
    expect(cardInvokeResponse(card)).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card });
  });
});
