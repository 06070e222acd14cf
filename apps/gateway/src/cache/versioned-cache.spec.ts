import { GenerationCache, VersionedCache } from './versioned-cache';

const item = (version: number, price = version) => ({ id: 1, version, price });

describe(VersionedCache.name, () => {
  it('a read that started before a write cannot put the old version back after the invalidation', () => {
    const c = new VersionedCache<ReturnType<typeof item>>(10);
    c.set(1, item(1));
    // a miss starts reading version 1 from a replica ... meanwhile the write lands and is pushed
    c.invalidate(1, 2);
    expect(c.get(1)).toBeUndefined();
    // ... and the slow read finishes with the old version
    expect(c.set(1, item(1))).toBe(false);
    expect(c.get(1)).toBeUndefined();
    expect(c.set(1, item(2))).toBe(true);
    expect(c.get(1)?.version).toBe(2);
  });

  it('an invalidation of an older version than the cached one keeps the newer entry', () => {
    const c = new VersionedCache<ReturnType<typeof item>>(10);
    c.set(1, item(5));
    c.invalidate(1, 4);
    expect(c.get(1)?.version).toBe(5);
    expect(c.floor(1)).toBe(4);
  });

  it('a newer cached entry is not replaced by an older one', () => {
    const c = new VersionedCache<ReturnType<typeof item>>(10);
    c.set(1, item(3));
    expect(c.set(1, item(2))).toBe(false);
    expect(c.get(1)?.version).toBe(3);
  });

  it('removal (the admin route) drops the entry but keeps the floor', () => {
    const c = new VersionedCache<ReturnType<typeof item>>(10);
    c.invalidate(1, 7);
    c.set(1, item(7));
    expect(c.remove(1)).toBe(true);
    expect(c.set(1, item(6))).toBe(false);
  });

  it('holds at most maxEntries, evicting the oldest', () => {
    const c = new VersionedCache<{ version: number }>(2);
    c.set(1, { version: 1 });
    c.set(2, { version: 1 });
    c.set(3, { version: 1 });
    expect([c.get(1), c.get(2), c.get(3)].map(Boolean)).toEqual([false, true, true]);
    expect(c.size).toBe(2);
  });
});

describe(GenerationCache.name, () => {
  it('a list read that started before an invalidation is not stored', () => {
    const c = new GenerationCache<number[]>(10);
    const started = c.generation;
    c.invalidateAll();
    expect(c.set('topic:x', [1], started)).toBe(false);
    expect(c.get('topic:x')).toBeUndefined();
    expect(c.set('topic:x', [2], c.generation)).toBe(true);
    expect(c.get('topic:x')).toEqual([2]);
    c.invalidateAll();
    expect(c.get('topic:x')).toBeUndefined();
  });
});
