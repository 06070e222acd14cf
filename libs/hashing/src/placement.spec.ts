import fc from 'fast-check';
import { hash32, partitionOf } from './hash';
import { movement, place } from './placement';

const equal = (n: number, prefix = 'n') => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i + 1}`, weight: 1 }));
const keys = (n: number) => Array.from({ length: n }, (_, i) => `key-${i}`);

describe(hash32.name, () => {
  // Golden vectors: placement depends on these outputs; changing them is a protocol change.
  it('is MurmurHash3 x86_32 (reference vectors) over UTF-8', () => {
    expect(hash32('')).toBe(0);
    expect(hash32('hello')).toBe(0x248bfa47);
    expect(hash32('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
    expect(hash32('Tux')).toBe(2711415438);
    expect(hash32('user:alice@example.com')).toBe(972804353);
    expect(hash32('ünïcode')).toBe(2947451484);
  });

  it('partitions keys within range', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 4096 }), (k, p) => {
      const x = partitionOf(k, p);
      return Number.isInteger(x) && x >= 0 && x < p;
    }));
  });
});

describe(place.name, () => {
  it('golden vectors: placement of fixed keys over four equal members', () => {
    const ms = [1, 2, 3, 4].map((id) => ({ id, weight: 1 }));
    const ids = (k: string) => place(k, ms, 3).map((m) => m.id);
    expect(ids('cart:alice@example.com')).toEqual([1, 2, 4]);
    expect(ids('cart:bob@example.com')).toEqual([2, 3, 1]);
    expect(ids('product:Tux')).toEqual([1, 2, 3]);
    expect(ids('k1')).toEqual([4, 1, 2]);
    expect(ids('k2')).toEqual([1, 3, 4]);
    expect(ids('k3')).toEqual([4, 2, 3]);
  });

  const membersArb = fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 12 })
    .map((ids) => ids.map((id) => ({ id, weight: 1 + (id % 3) })));

  it('returns min(n, members) distinct members', () => {
    fc.assert(fc.property(fc.string(), membersArb, fc.integer({ min: 0, max: 6 }), (k, ms, n) => {
      const p = place(k, ms, n);
      return p.length === Math.min(n, ms.length) && new Set(p.map((m) => m.id)).size === p.length;
    }));
  });

  it('is stable while membership is unchanged, whatever the order members are listed in', () => {
    fc.assert(fc.property(fc.string(), membersArb, fc.integer({ min: 1, max: 5 }), fc.integer(), (k, ms, n, rot) => {
      const r = Math.abs(rot) % ms.length;
      const shuffled = [...ms.slice(r), ...ms.slice(0, r)].reverse();
      return JSON.stringify(place(k, ms, n)) === JSON.stringify(place(k, shuffled, n)) && JSON.stringify(place(k, ms, n)) === JSON.stringify(place(k, ms, n));
    }));
  });

  it('moves at most 1.1x the optimum when one member joins or leaves (4->5 and 5->4 members, n=3, 20,000 keys)', () => {
    const ks = keys(20000);
    const join = movement(ks, equal(4), equal(5), 3);
    const leave = movement(ks, equal(5), equal(4), 3);
    expect(join.ratio).toBeLessThanOrEqual(1.1);
    expect(leave.ratio).toBeLessThanOrEqual(1.1);
    // and a member that joins only takes placements: nobody else's keys move between old members
    for (const k of ks.slice(0, 2000)) {
      const before = place(k, equal(4), 3).map((m) => m.id);
      const after = place(k, equal(5), 3).map((m) => m.id);
      expect(after.filter((id) => !before.includes(id)).every((id) => id === 'n5')).toBe(true);
    }
  });

  it('spreads primaries within ±10% of the weights (50,000 keys, weights 1:2:3:4)', () => {
    const ms = [1, 2, 3, 4].map((w) => ({ id: `w${w}`, weight: w }));
    const counts = new Map<string | number, number>();
    for (const k of keys(50000)) {
      const p = place(k, ms, 1)[0].id;
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    for (const m of ms) {
      const expected = (50000 * m.weight) / 10;
      expect(Math.abs(counts.get(m.id)! - expected) / expected).toBeLessThan(0.1);
    }
  });

  it('puts replicas in distinct failure domains while enough exist', () => {
    const ms = [
      { id: 'a1', weight: 1, domain: 'rack-a' }, { id: 'a2', weight: 1, domain: 'rack-a' },
      { id: 'b1', weight: 1, domain: 'rack-b' }, { id: 'b2', weight: 1, domain: 'rack-b' },
      { id: 'c1', weight: 1, domain: 'rack-c' },
    ];
    fc.assert(fc.property(fc.string(), (k) => {
      const three = place(k, ms, 3, { distinctDomains: true });
      const four = place(k, ms, 4, { distinctDomains: true });
      return new Set(three.map((m) => m.domain)).size === 3 && four.length === 4 && new Set(four.map((m) => m.id)).size === 4;
    }));
  });

  it('never chooses a member of weight 0', () => {
    const ms = [{ id: 1, weight: 1 }, { id: 2, weight: 0 }, { id: 3, weight: 1 }];
    fc.assert(fc.property(fc.string(), (k) => place(k, ms, 3).every((m) => m.id !== 2)));
  });
});
