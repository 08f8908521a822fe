import { validateCard } from './validate-card';
import { builderNames, cardSamples } from './testing/card-samples';

describe('every card the bot can send', () => {
  it('has sample data for every builder, so no card goes unchecked', () => {
    expect([...new Set(cardSamples.map((s) => s.builder))].sort()).toEqual(builderNames);
  });

  it.each(cardSamples.map((s) => [`${s.builder} (${s.variant})`, s] as const))(
    '%s renders to an Adaptive Card 1.5 that a client parses with no validation errors',
    (_name, sample) => {
      const card = sample.build();
      expect(card.type).toBe('AdaptiveCard');
      expect(card.version).toBe('1.5');
      expect(validateCard(card)).toEqual([]);
    },
  );

  it('gives each render a fresh object, so changing one card never changes the next', () => {
    const sample = cardSamples[0]!;
    const first = sample.build();
    (first.body as unknown[]).length = 0;
    expect(sample.build().body.length).toBeGreaterThan(0);
  });
});
