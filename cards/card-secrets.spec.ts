// The never-bent rule, for cards: a password or one-time code never goes back
// into a card, whatever a caller passes in, and full e-mail addresses and
// phone numbers are shown masked only.
import { parseCardAction } from './actions';
import { buildChangePasswordCard, buildEnterCodeCard, buildNewPasswordCard } from './index';
import type { AdaptiveCard } from './render-card';
import { walk } from './render-card';
import { ACTION, buildWith, cardSamples } from './testing/card-samples';

const CANARY_PASSWORD = 'Canary-Pw-7f3e9b1c!';
const CANARY_CODE = '90417733';
const SECRET_FIELDS = {
  password: CANARY_PASSWORD,
  newPassword: CANARY_PASSWORD,
  confirmPassword: CANARY_PASSWORD,
  currentPassword: CANARY_PASSWORD,
  value: CANARY_PASSWORD,
  code: CANARY_CODE,
  otp: CANARY_CODE,
  $data: CANARY_PASSWORD,
  $root: { newPassword: CANARY_PASSWORD },
};

/** The data with secret-bearing fields added to every object in it, as a careless caller spreading a submission would. */
function withCanaries(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(withCanaries);
  if (data instanceof Date || data === null || typeof data !== 'object') return data;
  const copy: Record<string, unknown> = { ...SECRET_FIELDS };
  for (const [key, value] of Object.entries(data)) copy[key] = withCanaries(value);
  return copy;
}

function emitted(card: AdaptiveCard): string {
  return JSON.stringify(card);
}

describe('secrets never go into a card', () => {
  it.each(cardSamples.map((s) => [`${s.builder} (${s.variant})`, s] as const))(
    '%s ignores a canary password and code passed in any field',
    (_name, sample) => {
      const card = buildWith(sample, withCanaries(sample.data ?? {}));
      expect(emitted(card)).not.toContain(CANARY_PASSWORD);
      expect(emitted(card)).not.toContain(CANARY_CODE);
    },
  );

  it('a new-password card re-rendered from a refused submission shows the reasons, never what was typed', () => {
    const submission = parseCardAction({
      type: 'Action.Execute',
      verb: 'password.submit',
      data: { ...ACTION, newPassword: CANARY_PASSWORD, confirmPassword: CANARY_PASSWORD + 'x' },
    });
    if (submission.verb !== 'password.submit') throw new Error('parsed as another verb');
    const card = buildNewPasswordCard({ ...submission.data, rules: { minLength: 12 }, problems: ['POLICY_MISMATCH'] });
    expect(emitted(card)).toContain('The two passwords are not the same.');
    expect(emitted(card)).not.toContain(CANARY_PASSWORD);
  });

  it('a code card after a wrong code says how many tries are left, never the code', () => {
    const submission = parseCardAction({ verb: 'verify.submitCode', data: { ...ACTION, code: CANARY_CODE } });
    if (submission.verb !== 'verify.submitCode') throw new Error('parsed as another verb');
    const card = buildEnterCodeCard({
      ...submission.data,
      destination: { kind: 'email', address: 'alice@contoso.com' },
      notice: { kind: 'wrongCode', triesLeft: 3 },
    });
    expect(emitted(card)).toContain('That code is not right. 3 tries left.');
    expect(emitted(card)).not.toContain(CANARY_CODE);
  });

  it.each([
    ['new', buildNewPasswordCard],
    ['change', buildChangePasswordCard],
  ] as const)('the %s password card has password-style inputs with no value at all', (_flavour, build) => {
    const card = build({ ...ACTION, rules: { minLength: 12 } });
    const inputs: Record<string, unknown>[] = [];
    walk(card, (node) => {
      if (node.type === 'Input.Text') inputs.push(node);
    });
    expect(inputs.length).toBeGreaterThanOrEqual(2);
    for (const input of inputs) {
      expect(input.style).toBe('password');
      expect(input).not.toHaveProperty('value');
    }
  });

  it('full e-mail addresses and phone numbers never appear, only their masked forms', () => {
    const all = cardSamples.map((s) => emitted(s.build())).join('\n');
    expect(all).toContain('a•••@contoso.com');
    expect(all).toContain('+1 ••• ••• ••42');
    for (const full of ['alice@', 'jo.doe.private@', '4255550142', '7700900123']) expect(all).not.toContain(full);
  });
});

describe('text from outside is shown as typed, never as markdown', () => {
  const HOSTILE = '[Click here](https://evil.example) **now**';
  const names: Record<string, string> = {
    displayName: HOSTILE,
    helpdeskContact: HOSTILE,
    managerName: HOSTILE,
    requesterName: HOSTILE,
    reason: HOSTILE,
    error: HOSTILE,
    accountName: HOSTILE,
  };

  function hostileData(data: unknown): unknown {
    if (Array.isArray(data)) return data.map(hostileData);
    if (data instanceof Date || data === null || typeof data !== 'object') return data;
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data)) copy[key] = key in names ? names[key] : hostileData(value);
    if ('privilegedBecause' in copy) copy.privilegedBecause = [HOSTILE];
    if ('requester' in copy) copy.requester = { displayName: HOSTILE, account: 'jo@contoso.com' };
    return copy;
  }

  // Every sample that shows at least one name, reason or error from outside.
  const hostile = cardSamples.filter((s) => JSON.stringify(hostileData(s.data) ?? null).includes('evil.example'));

  it('covers the cards that show names, reasons and errors', () => {
    expect(new Set(hostile.map((s) => s.builder)).size).toBeGreaterThanOrEqual(10);
  });

  it.each(hostile.map((s) => [`${s.builder} (${s.variant})`, s] as const))('%s puts outside text only in plain text runs', (_name, sample) => {
    const card = buildWith(sample, hostileData(sample.data));
    expect(emitted(card)).toContain('evil.example');
    walk(card, (node) => {
      if (node.type === 'TextBlock') expect(String(node.text)).not.toContain('evil.example');
      if (node.type === 'FactSet') expect(JSON.stringify(node)).not.toContain('evil.example');
      if (typeof node.type === 'string' && node.type.startsWith('Action.')) expect(JSON.stringify(node)).not.toContain('evil.example');
    });
  });
});
