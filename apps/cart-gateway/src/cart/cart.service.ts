import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, EventLog, LOGGER, PeerPool, type Instance, type LoadedConfig } from '@app/cluster';
import { checkQuorum, compare, docValues, isStale, mergeCounterDocs, type VersionedCounterDoc } from '@app/consistency';
import { movement } from '@app/hashing';
import { CART_STORE, DomainError, ErrorCode, RECOVERY, type CartAddRequest, type VersionedDoc, type PutHintsRequest } from '@app/contracts';
import { instancesOf } from '@app/cluster';
import type { Logger } from 'pino';
import type { CartEnv } from '../config/cart.config';
import { CartMembership, type Replica } from '../membership/cart-membership.service';

export interface CartView {
  email: string;
  cart: Record<string, number>;
  version: Record<string, number>;
}

export interface ProductView {
  name: string;
  quantity: number;
  version: Record<string, number>;
}

const userKey = (email: string) => `user:${email}`;
const productKey = (name: string) => `product:${name}`;
const asDoc = (d: VersionedDoc): VersionedCounterDoc => d as unknown as VersionedCounterDoc;
let hintSeq = 0;

/**
 * The leaderless cart store (the Cart Store seed, done as Dynamo does it): each key lives on N
 * kv-nodes chosen by CRUSH; writes wait for W of them and reads for R, with R + W > N (checked at
 * boot). A quantity is a counter with one slot per kv-node: an add is applied by one replica (the
 * first that answers, in CRUSH order) to its own slot, atomically there, and the new state is
 * merged into the others — so concurrent adds through any gateway are never lost. Reads merge what
 * the replicas hold and write the merge back to stale ones (read repair). A write meant for a node
 * that is down goes to the next node with a hint in the recovery service (sloppy quorum + hinted
 * handoff), which the node takes when it returns.
 */
@Injectable()
export class CartService {
  private readonly n: number;
  private readonly r: number;
  private readonly w: number;
  private readonly recovery: Instance | null;

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<CartEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly pool: PeerPool,
    private readonly members: CartMembership,
    private readonly events: EventLog,
  ) {
    ({ n: this.n, r: this.r, w: this.w } = checkQuorum({ n: config.env.CART_N, r: config.env.CART_R, w: config.env.CART_W }));
    this.recovery = instancesOf(config.topology, 'recovery')[0] ?? null;
  }

  // ------------------------------------------------------------------ users and carts

  async createUser(email: string, rid?: string): Promise<CartView> {
    const existing = await this.read(userKey(email), rid);
    if (existing) throw new DomainError(ErrorCode.CONFLICT, `a user with email ${email} already exists`);
    const doc = await this.add(userKey(email), {}, rid);
    return cartView(email, doc);
  }

  async getUser(email: string, rid?: string): Promise<CartView> {
    const doc = await this.read(userKey(email), rid);
    if (!doc) throw new DomainError(ErrorCode.NOT_FOUND, `no user with email ${email}`);
    return cartView(email, doc);
  }

  /** Adds (or, with negative quantities, removes) products; never loses a concurrent add. */
  async addToCart(email: string, changes: Record<string, number>, rid?: string): Promise<CartView> {
    const cur = await this.read(userKey(email), rid);
    if (!cur) throw new DomainError(ErrorCode.NOT_FOUND, `no user with email ${email}`);
    // a removal takes away at most what the cart shows, so a later add is not swallowed by a debt
    // (concurrent removals may still overshoot; the cart then shows 0, never less)
    const now = docValues(asDoc(cur).value);
    const clamped: Record<string, number> = {};
    for (const [p, d] of Object.entries(changes)) {
      const v = d < 0 ? Math.max(d, -(now[p] ?? 0)) : d;
      if (v) clamped[p] = v;
    }
    return cartView(email, Object.keys(clamped).length ? await this.add(userKey(email), clamped, rid) : cur);
  }

  /**
   * Replaces the cart when `version` is not older than what a read quorum holds (else CONFLICT with
   * the current value). Expressed as adds of the differences, so a concurrent replacement or add is
   * merged, not lost (a leaderless store has no compare-and-set).
   */
  async replaceCart(email: string, cart: Record<string, number>, version: Record<string, number>, rid?: string): Promise<CartView> {
    const cur = await this.read(userKey(email), rid);
    if (!cur) throw new DomainError(ErrorCode.NOT_FOUND, `no user with email ${email}`);
    const order = compare(version, cur.version);
    if (order === 'before' || order === 'concurrent') {
      throw new DomainError(ErrorCode.VERSION_CONFLICT, 'the cart changed since that version', { current: cartView(email, cur) });
    }
    const now = docValues(cur.value);
    const changes: Record<string, number> = {};
    for (const p of new Set([...Object.keys(now), ...Object.keys(cart)])) {
      const d = (cart[p] ?? 0) - (now[p] ?? 0);
      if (d) changes[p] = d;
    }
    return cartView(email, await this.add(userKey(email), changes, rid));
  }

  // ------------------------------------------------------------------ products

  async getProduct(name: string, rid?: string): Promise<ProductView> {
    const doc = await this.read(productKey(name), rid);
    if (!doc) throw new DomainError(ErrorCode.NOT_FOUND, `no product named ${name}`);
    return productView(name, doc);
  }

  /** Adds to the stock: a counter too, so concurrent restocks all count. */
  async addProduct(name: string, quantity: number, rid?: string): Promise<ProductView> {
    return productView(name, await this.add(productKey(name), { stock: quantity }, rid));
  }

  // ------------------------------------------------------------------ lists

  async usersList(): Promise<string[]> {
    return (await this.keys('user:')).map((k) => k.slice('user:'.length));
  }

  async productsList(): Promise<string[]> {
    return (await this.keys('product:')).map((k) => k.slice('product:'.length));
  }

  /** The union over every reachable node, without duplicates. */
  private async keys(prefix: string): Promise<string[]> {
    const lists = await Promise.allSettled(this.members.members().filter((m) => this.members.isHealthy(Number(m.id)))
      .map((m) => this.pool.get(m.instance).send<string[]>(CART_STORE.KEYS, { prefix }, this.config.env.RPC_TIMEOUT_MS)));
    const all = new Set<string>();
    for (const l of lists) if (l.status === 'fulfilled') for (const k of l.value) all.add(k);
    return [...all].sort();
  }

  // ------------------------------------------------------------------ quorum machinery

  /** Quorum read: asks every replica, needs R answers, merges them, repairs stale replicas. */
  async read(key: string, rid?: string): Promise<VersionedDoc | null> {
    const replicas = this.members.replicas(key);
    const replies = await Promise.all(replicas.map(async (r) => {
      try {
        return { r, ok: true, doc: await this.pool.get(r.node).send<VersionedDoc | null>(CART_STORE.GET, { key }, this.config.env.RPC_TIMEOUT_MS, rid) };
      } catch {
        this.members.markDown(r.node.id);
        return { r, ok: false, doc: null };
      }
    }));
    const answered = replies.filter((x) => x.ok);
    if (answered.length < this.r) {
      throw new DomainError(ErrorCode.QUORUM_NOT_MET, `read quorum not met: ${answered.length} of ${this.r} replicas answered`, { retryAfterSeconds: 1 });
    }
    const copies = answered.map((x) => x.doc).filter((d): d is VersionedDoc => !!d);
    if (!copies.length) return null;
    const merged = copies.slice(1).reduce((a, b) => mergeCounterDocs(a, asDoc(b)), asDoc(copies[0])) as unknown as VersionedDoc;
    // read repair (Dynamo §5): write the merge back to every replica that lacks something of it
    const stale = answered.filter((x) => isStale(x.doc ? asDoc(x.doc) : null, asDoc(merged)));
    if (stale.length) {
      this.events.record('read-repair', `read repair of ${key} on kv-node ${stale.map((x) => `#${x.r.node.id}`).join(', ')}`, { key, nodes: stale.map((x) => x.r.node.id) });
      for (const x of stale) void this.mergeInto(x.r, key, merged, rid).catch(() => undefined);
    }
    return merged;
  }

  /**
   * An add: applied by the first replica that answers, to its own slot; then merged into the others.
   * Answers once W replicas hold it (the rest complete in the background), with the merged state.
   */
  private async add(key: string, changes: Record<string, number>, rid?: string): Promise<VersionedDoc> {
    const replicas = this.members.replicas(key);
    if (replicas.length < this.w) {
      throw new DomainError(ErrorCode.QUORUM_NOT_MET, `write quorum not met: ${replicas.length} of ${this.w} replicas are up`, { retryAfterSeconds: 1 });
    }
    let state: VersionedDoc | null = null;
    let coordinator = -1;
    for (let i = 0; i < replicas.length && !state; i++) {
      try {
        const req: CartAddRequest = { key, changes, create: true };
        state = await this.pool.get(replicas[i].node).send<VersionedDoc | null>(CART_STORE.ADD, req, this.config.env.RPC_TIMEOUT_MS, rid);
        coordinator = i;
        if (replicas[i].hintFor !== null) await this.hint(replicas[i].hintFor!, key, state!, rid).catch(() => undefined);
      } catch (err) {
        if (err instanceof DomainError && err.code !== ErrorCode.UNAVAILABLE) throw err;
        this.members.markDown(replicas[i].node.id);
      }
    }
    if (!state) throw new DomainError(ErrorCode.QUORUM_NOT_MET, 'no replica could apply the write', { retryAfterSeconds: 1 });
    const others = replicas.filter((_, i) => i !== coordinator);
    const merged = state;
    let acks = 1;
    await new Promise<void>((resolve, reject) => {
      if (acks >= this.w) return resolve();
      let pending = others.length;
      if (!pending) return reject(new DomainError(ErrorCode.QUORUM_NOT_MET, 'write quorum not met', { retryAfterSeconds: 1 }));
      for (const o of others) {
        this.mergeInto(o, key, merged, rid)
          .then(() => {
            acks++;
          })
          .catch(() => undefined)
          .finally(() => {
            pending--;
            if (acks >= this.w) resolve();
            else if (pending === 0) reject(new DomainError(ErrorCode.QUORUM_NOT_MET, `write quorum not met: ${acks} of ${this.w} replicas hold it`, { retryAfterSeconds: 1 }));
          });
      }
    });
    return merged;
  }

  /** Merges a document into a replica; a replica that cannot be reached gets a hint instead. */
  private async mergeInto(r: Replica, key: string, doc: VersionedDoc, rid?: string): Promise<void> {
    try {
      await this.pool.get(r.node).send(CART_STORE.MERGE, { key, doc }, this.config.env.RPC_TIMEOUT_MS, rid);
      // a lost hint is not a lost write (W replicas hold it); read repair and later writes heal the node
      if (r.hintFor !== null) await this.hint(r.hintFor, key, doc, rid).catch((err: Error) => this.logger.warn({ rid, err: err.message }, 'hint not stored'));
    } catch (err) {
      this.members.markDown(r.node.id);
      await this.hint(r.hintFor ?? r.node.id, key, doc, rid).catch(() => undefined);
      throw err;
    }
  }

  /** Leaves a write for a node that is down in the recovery service (Dynamo §4.6 hinted handoff). */
  private async hint(target: number, key: string, doc: VersionedDoc, rid?: string): Promise<void> {
    if (!this.recovery) return;
    // unique per gateway and ordered by time, within Number.MAX_SAFE_INTEGER: ms × 1000 + gateway × 100 + n
    hintSeq = (hintSeq + 1) % 100;
    const seq = Date.now() * 1000 + (this.config.self.id % 10) * 100 + hintSeq;
    const req: PutHintsRequest = {
      service: 'cart', target, term: { counter: 0, electorId: 0 },
      entries: [{ seq, term: { counter: 0, electorId: 0 }, prev: { counter: 0, electorId: 0 }, body: { key, doc } }],
    };
    await this.pool.get(this.recovery).send(RECOVERY.PUT_HINTS, req, this.config.env.RPC_TIMEOUT_MS, rid);
    this.events.record('hints-queued', `cart hint for kv-node#${target} (down): ${key}`, { key, target });
  }

  // ------------------------------------------------------------------ membership changes

  /**
   * A member leaves or joins: placement changes, and only the keys whose replica set changed are
   * copied to their new replicas (merged from the old ones). Returns how many replica assignments
   * moved against the optimum (libs/hashing `movement`).
   */
  async changeMembership(left: number[], rid?: string): Promise<{ keys: number; moved: number; optimal: number; ratio: number }> {
    const before = this.members.members();
    const after = this.members.nodes.filter((n) => !left.includes(n.id)).map((n) => ({ id: n.id, weight: 1, instance: n }));
    if (after.length < this.n) throw new DomainError(ErrorCode.VALIDATION_FAILED, `at least N=${this.n} members must remain`);
    const keys = new Set<string>();
    for (const m of [...before, ...after]) {
      if (!this.members.isHealthy(Number(m.id))) continue;
      for (const k of await this.pool.get(m.instance).send<string[]>(CART_STORE.KEYS, { prefix: '' }, 5000, rid)) keys.add(k);
    }
    let moved = 0;
    for (const key of keys) {
      const was = new Set(this.members.preferred(key, before).map((n) => n.id));
      const now = this.members.preferred(key, after);
      const gained = now.filter((n) => !was.has(n.id));
      if (!gained.length) continue;
      const copies = await Promise.all([...was].map((id) => this.pool.get(this.members.node(id)).send<VersionedDoc | null>(CART_STORE.GET, { key }, 5000, rid).catch(() => null)));
      const docs = copies.filter((d): d is VersionedDoc => !!d);
      if (!docs.length) continue;
      const merged = docs.slice(1).reduce((a, b) => mergeCounterDocs(a, asDoc(b)), asDoc(docs[0])) as unknown as VersionedDoc;
      for (const n of gained) await this.mergeInto({ node: n, hintFor: null }, key, merged, rid);
      moved += gained.length;
    }
    await this.members.setLeft(left);
    const m = movement([...keys], before, after, this.n);
    this.logger.info({ left, keys: keys.size, moved, optimal: m.optimal }, 'cart placement changed');
    return { keys: keys.size, moved, optimal: Math.round(m.optimal * 100) / 100, ratio: m.optimal ? Math.round((moved / m.optimal) * 1000) / 1000 : 1 };
  }
}

function cartView(email: string, d: VersionedDoc): CartView {
  return { email, cart: docValues(asDoc(d).value), version: d.version };
}

function productView(name: string, d: VersionedDoc): ProductView {
  return { name, quantity: docValues(asDoc(d).value).stock ?? 0, version: d.version };
}
