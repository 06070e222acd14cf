import fc from 'fast-check';
import { cartAdd, cartMerge, cartValue, type Cart } from './cart';
import { counterAdd, counterMerge, counterValue, counterDominates, ZERO_COUNTER, type Counter } from './counter';
import { checkQuorum, quorumsIntersect } from './quorum';
import { decide, transition } from './two-phase-commit';
import { compare, dominates, increment, merge, type VersionVector } from './version-vector';
import { readRepairTargets, reconcile } from './versioned';

const nodes = ['n1', 'n2', 'n3', 'n4'];
const vvArb: fc.Arbitrary<VersionVector> = fc.dictionary(fc.constantFrom(...nodes), fc.nat(5));
const counterArb: fc.Arbitrary<Counter> = fc.record({
  p: fc.dictionary(fc.constantFrom(...nodes), fc.nat(20)),
  n: fc.dictionary(fc.constantFrom(...nodes), fc.nat(20)),
});
const norm = (c: Counter) => JSON.stringify({ p: sortKeys(c.p), n: sortKeys(c.n) });
const sortKeys = (o: Readonly<Record<string, number>>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0).sort());
const normVv = (v: VersionVector) => JSON.stringify(sortKeys(v));

describe('version vectors', () => {
  it('compare: examples of each order', () => {
    expect(compare({ a: 1 }, { a: 2 })).toBe('before');
    expect(compare({ a: 2, b: 1 }, { a: 2 })).toBe('after');
    expect(compare({ a: 1 }, { a: 1, b: 0 })).toBe('equal');
    expect(compare({ a: 1 }, { b: 1 })).toBe('concurrent');
  });

  it('merge is commutative, associative, idempotent and dominates both inputs', () => {
    fc.assert(fc.property(vvArb, vvArb, vvArb, (a, b, c) => {
      expect(normVv(merge(a, b))).toBe(normVv(merge(b, a)));
      expect(normVv(merge(merge(a, b), c))).toBe(normVv(merge(a, merge(b, c))));
      expect(normVv(merge(a, a))).toBe(normVv(a));
      expect(dominates(merge(a, b), a) && dominates(merge(a, b), b)).toBe(true);
    }));
  });

  it('compare is antisymmetric and an increment is always after', () => {
    fc.assert(fc.property(vvArb, vvArb, fc.constantFrom(...nodes), (a, b, n) => {
      const flip = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' } as const;
      expect(compare(b, a)).toBe(flip[compare(a, b)]);
      expect(compare(increment(a, n), a)).toBe('after');
    }));
  });
});

describe('counters (one slot per node)', () => {
  it('merge is commutative, associative, idempotent, and the merge dominates each input', () => {
    fc.assert(fc.property(counterArb, counterArb, counterArb, (a, b, c) => {
      expect(norm(counterMerge(a, b))).toBe(norm(counterMerge(b, a)));
      expect(norm(counterMerge(counterMerge(a, b), c))).toBe(norm(counterMerge(a, counterMerge(b, c))));
      expect(norm(counterMerge(a, a))).toBe(norm(a));
      expect(counterDominates(counterMerge(a, b), a) && counterDominates(counterMerge(a, b), b)).toBe(true);
    }));
  });

  it('two clients adding 1 at the same time through different nodes end with +2', () => {
    const base = counterAdd(ZERO_COUNTER, 'n1', 3);
    const x = counterAdd(base, 'n1', 1);
    const y = counterAdd(base, 'n2', 1);
    expect(counterValue(counterMerge(x, y))).toBe(5);
  });

  it('a removal is not undone by a later merge with an older state', () => {
    const added = counterAdd(ZERO_COUNTER, 'n1', 2);
    const removed = counterAdd(added, 'n2', -2);
    expect(counterValue(counterMerge(removed, added))).toBe(0);
    expect(counterValue(counterMerge(added, counterMerge(removed, added)))).toBe(0);
  });

  type Op = { kind: 'add'; at: number; delta: number } | { kind: 'merge'; from: number; to: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), at: fc.nat(3), delta: fc.integer({ min: -3, max: 5 }) }),
    fc.record({ kind: fc.constant('merge' as const), from: fc.nat(3), to: fc.nat(3) }),
  );

  it('no add is lost under any interleaving of adds and merges between 4 replicas', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const replicas: Counter[] = [ZERO_COUNTER, ZERO_COUNTER, ZERO_COUNTER, ZERO_COUNTER];
      let sum = 0;
      for (const op of ops) {
        if (op.kind === 'add') {
          replicas[op.at] = counterAdd(replicas[op.at], nodes[op.at], op.delta);
          sum += op.delta;
        } else {
          replicas[op.to] = counterMerge(replicas[op.to], replicas[op.from]);
        }
      }
      const all = replicas.reduce(counterMerge);
      return counterValue(all) === sum;
    }));
  });

  it('no add is lost when concurrent adds apply at their replica and propagate in any scheduled order', async () => {
    await fc.assert(fc.asyncProperty(fc.scheduler(), fc.array(fc.tuple(fc.nat(3), fc.integer({ min: -2, max: 4 })), { minLength: 1, maxLength: 12 }), async (s, adds) => {
      // the cart store's protocol: an add is applied by one replica to its own slot (atomically there),
      // then the new state is written to the other replicas, which merge it with what they hold
      const store: Counter[] = [ZERO_COUNTER, ZERO_COUNTER, ZERO_COUNTER, ZERO_COUNTER];
      const applyAt = s.scheduleFunction(async (i: number, d: number) => (store[i] = counterAdd(store[i], nodes[i], d)));
      const writeTo = s.scheduleFunction(async (j: number, c: Counter) => {
        store[j] = counterMerge(store[j], c);
      });
      const clients = adds.map(async ([i, d]) => {
        const state = await applyAt(i, d);
        await Promise.all(nodes.map((_, j) => (j === i ? undefined : writeTo(j, state))));
      });
      await s.waitAll();
      await Promise.all(clients);
      const sum = adds.reduce((x, [, d]) => x + d, 0);
      return store.every((c) => counterValue(c) === sum);
    }));
  });
});

describe('carts', () => {
  it('concurrent adds of the same product through two replicas both count, and quantities never show below 0', () => {
    const base: Cart = cartAdd({}, 'n1', { tux: 1 });
    const a = cartAdd(base, 'n1', { tux: 1 });
    const b = cartAdd(base, 'n2', { tux: 1, whale: 2 });
    expect(cartValue(cartMerge(a, b))).toEqual({ tux: 3, whale: 2 });
    const removedTwice = cartAdd(cartAdd(base, 'n1', { tux: -1 }), 'n2', { tux: -1 });
    expect(cartValue(removedTwice)).toEqual({});
  });

  it('merge is commutative, associative and idempotent', () => {
    const cartArb: fc.Arbitrary<Cart> = fc.dictionary(fc.constantFrom('tux', 'whale', 'lego'), counterArb);
    const n = (c: Cart) => JSON.stringify(Object.entries(c).map(([k, v]) => [k, norm(v)]).sort());
    fc.assert(fc.property(cartArb, cartArb, cartArb, (a, b, c) => {
      expect(n(cartMerge(a, b))).toBe(n(cartMerge(b, a)));
      expect(n(cartMerge(cartMerge(a, b), c))).toBe(n(cartMerge(a, cartMerge(b, c))));
      expect(n(cartMerge(a, a))).toBe(n(a));
    }));
  });
});

describe('reconcile and read repair', () => {
  it('merges siblings, keeps the newest of ordered copies, and names the stale or missing replicas', () => {
    const c1 = { value: counterAdd(ZERO_COUNTER, 'n1', 1), version: { n1: 1 } };
    const c2 = { value: counterAdd(ZERO_COUNTER, 'n2', 2), version: { n2: 1 } };
    const merged = reconcile([c1, c2], counterMerge)!;
    expect(counterValue(merged.value)).toBe(3);
    expect(merged.version).toEqual({ n1: 1, n2: 1 });
    expect(readRepairTargets([{ node: 'n1', copy: c1 }, { node: 'n2', copy: c2 }, { node: 'n3', copy: null }, { node: 'n4', copy: merged }], merged))
      .toEqual(['n1', 'n2', 'n3']);
    const newer = { value: counterAdd(c1.value, 'n1', 1), version: { n1: 2 } };
    expect(reconcile([c1, newer], counterMerge)).toBe(newer);
  });

  it('the reconciled value does not depend on the order replies arrive in', () => {
    const copyArb = fc.record({ value: counterArb, version: vvArb });
    fc.assert(fc.property(fc.array(copyArb, { minLength: 1, maxLength: 5 }), (copies) => {
      const x = reconcile(copies, counterMerge)!;
      const y = reconcile([...copies].reverse(), counterMerge)!;
      return compare(x.version, y.version) === 'equal';
    }));
  });
});

describe('quorums', () => {
  it('R + W > N: every read quorum meets every write quorum (all subsets, N up to 5)', () => {
    for (let n = 1; n <= 5; n++) {
      const subsets = (k: number) => Array.from({ length: 1 << n }, (_, m) => m).filter((m) => bitCount(m) === k);
      for (let r = 1; r <= n; r++) {
        for (let w = 1; w <= n; w++) {
          const meet = subsets(r).every((a) => subsets(w).every((b) => (a & b) !== 0));
          expect(meet).toBe(quorumsIntersect(n, r, w));
        }
      }
    }
  });

  it('checkQuorum refuses configurations where reads can miss writes, naming the problem', () => {
    expect(() => checkQuorum({ n: 3, r: 2, w: 2 })).not.toThrow();
    expect(() => checkQuorum({ n: 3, r: 1, w: 2 })).toThrow(/R \+ W = 3 must exceed N = 3/);
    expect(() => checkQuorum({ n: 3, r: 4, w: 2 })).toThrow(/R=4 must be between 1 and N=3/);
  });
});

describe('two-phase commit decisions', () => {
  it('commits only when every participant voted yes; any no or a timeout aborts; a decision is final', () => {
    expect(decide({ a: 'yes', b: 'yes' }, ['a', 'b'], false)).toBe('commit');
    expect(decide({ a: 'yes', b: 'no' }, ['a', 'b'], false)).toBe('abort');
    expect(decide({ a: 'yes' }, ['a', 'b'], false)).toBe('wait');
    expect(decide({ a: 'yes' }, ['a', 'b'], true)).toBe('abort');
    expect(decide({}, [], false)).toBe('abort');
    expect(transition('committed', 'abort')).toBe('committed');
    expect(transition('preparing', 'commit')).toBe('committed');
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('yes', 'no', 'unknown')), fc.boolean(), (votes, t) => {
      const d = decide(votes, ['a', 'b', 'c'], t);
      return d !== 'commit' || ['a', 'b', 'c'].every((p) => votes[p] === 'yes');
    }));
  });
});

function bitCount(m: number): number {
  let c = 0;
  for (; m; m &= m - 1) c++;
  return c;
}
