import { createKnownReferences } from './known-references';

const T = 'tenant';
const ref = (id: string) => ({ conversation: { id }, serviceUrl: 'https://smba.example/' });

describe('a replica\'s known conversation references', () => {
  test('a reference seen in a turn is recalled until the trust window passes', () => {
    let now = 1_000;
    const known = createKnownReferences({ trustMs: 60_000, now: () => now });
    expect(known.recall(T, 'a')).toBeUndefined();
    known.seen(T, 'a', ref('c1'), 'fp1');
    expect(known.recall(T, 'a')).toEqual(ref('c1'));
    now += 60_001;
    expect(known.recall(T, 'a')).toBeUndefined();
    known.seen(T, 'a', ref('c1'), 'fp1');
    expect(known.recall(T, 'a')).toEqual(ref('c1'));
  });

  test('a forgotten reference is not recalled, but this replica still knows what it saved', () => {
    const known = createKnownReferences();
    known.seen(T, 'a', ref('c1'), 'fp1');
    known.forget(T, 'a');
    expect(known.recall(T, 'a')).toBeUndefined();
    expect(known.alreadySaved(T, 'a', 'fp1')).toBe(true);
    known.forget(T, 'nobody');
    expect(known.recall(T, 'nobody')).toBeUndefined();
  });

  test('a later turn keeps the save record; a read from the store drops it, since another replica may have written', () => {
    const known = createKnownReferences();
    known.seen(T, 'a', ref('c1'), 'fp1');
    known.seen(T, 'a', ref('c1'), 'fp1');
    expect(known.alreadySaved(T, 'a', 'fp1')).toBe(true);
    expect(known.alreadySaved(T, 'a', 'fp2')).toBe(false);
    known.read(T, 'a', ref('c2'));
    expect(known.recall(T, 'a')).toEqual(ref('c2'));
    expect(known.alreadySaved(T, 'a', 'fp1')).toBe(false);
  });

  test('tenants are kept apart, and the least recently seen goes first when full', () => {
    const known = createKnownReferences({ maxEntries: 2 });
    known.seen(T, 'a', ref('a'), 'fa');
    known.seen('other', 'a', ref('other-a'), 'fo');
    expect(known.recall(T, 'a')).toEqual(ref('a'));
    known.seen(T, 'a', ref('a'), 'fa');
    known.seen(T, 'b', ref('b'), 'fb');
    expect(known.recall('other', 'a')).toBeUndefined();
    expect(known.recall(T, 'a')).toEqual(ref('a'));
    expect(known.recall(T, 'b')).toEqual(ref('b'));
  });
});
