import { ErrorCode } from '@app/contracts';
import { sleep } from '../async';
import { ReplicaGroup } from '../testing/in-memory-replicas';

const T = (counter: number, electorId = 1) => ({ counter, electorId });
const set = (k: string, v: number) => async () => ({ set: { [k]: v } });

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(10);
  }
}

describe('ReplicaNode, witness policy (catalog)', () => {
  let g: ReplicaGroup;
  beforeEach(async () => {
    g = new ReplicaGroup(2, 'witness');
    await g.startAll();
    await until(() => g.node(1).isReady() && g.node(2).isReady());
    await g.elect(2, T(1));
  });
  afterEach(() => g.stopAll());

  it('a write is acknowledged once the backup holds it', async () => {
    const e = await g.node(2).write(set('a', 1));
    expect(e?.seq).toBe(1);
    expect(g.stores.get(1)!.state).toEqual({ a: 1 });
    expect(g.stores.get(1)!.log.map((x) => x.seq)).toEqual([1]);
  });

  it('with the backup down, a write is acknowledged through a hint, and the backup takes it when it returns', async () => {
    g.crash(1);
    await g.node(2).write(set('a', 1));
    await g.node(2).write(set('b', 2));
    expect(g.recovery.pending('kv', 1)).toBe(2);
    expect(g.stores.get(1)!.state).toEqual({});
    await g.start(1);
    await until(() => g.node(1).isReady());
    expect(g.stores.get(1)!.state).toEqual({ a: 1, b: 2 });
    expect(g.recovery.pending('kv', 1)).toBe(0);
  });

  it('with the backup and the recovery service down, writes are refused, not acknowledged on one copy', async () => {
    g.crash(1);
    g.recovery.down = true;
    await expect(g.node(2).write(set('a', 1))).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    await expect(g.node(2).write(set('b', 1))).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    expect(g.stores.get(2)!.state.b).toBeUndefined(); // refused before it was applied
  });

  it('a backup that cannot reach its hints is not ready and refuses to be promoted', async () => {
    g.crash(1);
    await g.node(2).write(set('a', 1));
    g.recovery.down = true;
    g.crash(2);
    await g.start(1);
    await sleep(100);
    expect(g.node(1).isReady()).toBe(false);
    await expect(g.node(1).onLeader({ term: T(2), leaderId: 1, electorId: 1 })).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    g.recovery.down = false;
    await until(() => g.node(1).isReady());
    await g.node(1).onLeader({ term: T(2), leaderId: 1, electorId: 1 });
    expect(g.node(1).isLeader()).toBe(true);
    expect(g.stores.get(1)!.state).toEqual({ a: 1 });
  });

  it('promotion raises the fence: hints from the deposed primary are refused, and it steps down', async () => {
    // the old primary (2) is cut off from its backup but still reaches recovery
    g.down.add(1);
    await g.node(2).write(set('a', 1));
    g.down.delete(1);
    await g.node(1).catchUp();
    await g.node(1).onLeader({ term: T(2), leaderId: 1, electorId: 1 });
    g.down.add(1);
    await expect(g.node(2).write(set('z', 9))).rejects.toMatchObject({ code: expect.stringMatching(/NOT_LEADER|UNAVAILABLE/) });
    expect(g.node(2).isLeader()).toBe(false);
    expect(g.stores.get(1)!.state).toEqual({ a: 1 });
  });

  it('writes carrying an older term are refused, and so are replication and announcements of older terms', async () => {
    await g.elect(1, T(3));
    await expect(g.node(1).write(set('a', 1), T(2))).rejects.toMatchObject({ code: ErrorCode.STALE_TERM });
    await expect(g.node(2).onReplicate({ term: T(2), leaderId: 2, entries: [] })).rejects.toMatchObject({ code: ErrorCode.STALE_TERM });
    await expect(g.node(2).onLeader({ term: T(2, 5), leaderId: 2, electorId: 5 })).rejects.toMatchObject({ code: ErrorCode.STALE_TERM });
    await expect(g.node(2).write(set('a', 1), T(3))).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER });
  });

  it('a returning ex-primary whose log diverged (an unacknowledged write) is resynced from a snapshot', async () => {
    await g.node(2).write(set('a', 1));
    // 2 commits a write locally that nobody else gets, and dies before it is acknowledged
    g.down.add(1);
    g.recovery.down = true;
    await expect(g.node(2).write(set('lost', 1))).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    g.crash(2);
    g.down.delete(1);
    g.recovery.down = false;
    expect(g.stores.get(2)!.state).toEqual({ a: 1, lost: 1 });
    await g.node(1).onLeader({ term: T(2), leaderId: 1, electorId: 1 });
    await g.node(1).write(set('b', 2));
    await g.start(2);
    await g.node(1).write(set('c', 3));
    await until(() => g.node(2).isReady() && g.stores.get(2)!.state.c === 3);
    expect(g.stores.get(2)!.state).toEqual({ a: 1, b: 2, c: 3 });
    expect(g.node(2).lastPosition()).toEqual(g.node(1).lastPosition());
  });
});

describe('ReplicaNode, majority policy (orders)', () => {
  let g: ReplicaGroup;
  beforeEach(async () => {
    g = new ReplicaGroup(3, 'majority', { writeTimeoutMs: 300 });
    await g.startAll();
    await until(() => [1, 2, 3].every((i) => g.node(i).isReady()));
    await g.elect(3, T(1));
  });
  afterEach(() => g.stopAll());

  it('a write is acknowledged with one follower down (2 of 3 hold it)', async () => {
    g.crash(1);
    await g.node(3).write(set('a', 1));
    expect(g.stores.get(2)!.state).toEqual({ a: 1 });
  });

  it('a write is not acknowledged with both followers down, even when hinted', async () => {
    g.crash(1);
    g.crash(2);
    await expect(g.node(3).write(set('a', 1))).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });

  it('a restarted follower catches up from the leader before it is ready', async () => {
    g.crash(1);
    for (let i = 0; i < 10; i++) await g.node(3).write(set(`k${i}`, i));
    await g.start(1);
    await until(() => g.node(1).isReady());
    expect(g.stores.get(1)!.state).toEqual(g.stores.get(3)!.state);
    expect(g.node(1).lastPosition().seq).toBe(10);
  });
});
