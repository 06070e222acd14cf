/**
 * The gateway's L1 cache of versioned values. It never goes back in time: `invalidate(key, v)` drops
 * any entry older than v and raises the key's floor to v, and `set` refuses a value older than the
 * floor. A read that started before a write and finishes after its invalidation therefore cannot put
 * the old value back.
 */
export class VersionedCache<V extends { version: number }> {
  private readonly entries = new Map<number, V>();
  private readonly floors = new Map<number, number>();

  constructor(private readonly maxEntries: number) {}

  get(key: number): V | undefined {
    return this.entries.get(key);
  }

  /** The newest version known to exist for key (0 when none was announced). */
  floor(key: number): number {
    return this.floors.get(key) ?? 0;
  }

  /** Stores v unless it is older than the floor or than what is cached; true when stored. */
  set(key: number, v: V): boolean {
    if (v.version < this.floor(key)) return false;
    const cur = this.entries.get(key);
    if (cur && cur.version > v.version) return false;
    if (!cur && this.entries.size >= this.maxEntries) {
      if (this.maxEntries === 0) return false;
      const oldest = this.entries.keys().next().value as number;
      this.entries.delete(oldest);
    }
    this.entries.set(key, v);
    return true;
  }

  invalidate(key: number, version: number): void {
    if (version > this.floor(key)) this.floors.set(key, version);
    const cur = this.entries.get(key);
    if (cur && cur.version < version) this.entries.delete(key);
  }

  /** Drops the entry (the admin route); the floor stays. */
  remove(key: number): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Cached lists (search results, the Bookstore's book list). Any invalidation bumps a generation; a
 * list read that started under an older generation is not stored, so a list never outlives a write.
 */
export class GenerationCache<V> {
  private readonly entries = new Map<string, V>();
  private gen = 0;

  constructor(private readonly maxEntries: number) {}

  get generation(): number {
    return this.gen;
  }

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, v: V, startedAt: number): boolean {
    if (startedAt !== this.gen || this.maxEntries === 0) return false;
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, v);
    return true;
  }

  invalidateAll(): void {
    this.gen++;
    this.entries.clear();
  }
}
