import { DomainError, ErrorCode, type LeaderAnnouncement, type ReplicaStatus, type Term } from '@app/contracts';
import pino from 'pino';
import type { PeerPool } from '../peer-client';
import type { Instance } from '../topology';
import { Elector, type ElectionEvent } from './elector';

type Mode = 'up' | 'timeout' | 'refused';

/** Replicas that answer STATUS and LEADER as the real ones do, or time out, or refuse the connection. */
class FakeReplicas {
  readonly mode = new Map<number, Mode>();
  readonly state = new Map<number, { role: 'primary' | 'backup'; term: Term; leaderId: number | null }>();

  constructor(ids: number[]) {
    for (const id of ids) {
      this.mode.set(id, 'up');
      this.state.set(id, { role: 'backup', term: { counter: 0, electorId: 0 }, leaderId: null });
    }
  }

  pool(): PeerPool {
    return { get: (i: Instance) => ({ send: (pattern: string, body: unknown) => this.send(i.id, pattern, body) }) } as unknown as PeerPool;
  }

  primary(): number | undefined {
    return [...this.state].find(([, s]) => s.role === 'primary')?.[0];
  }

  private async send(id: number, pattern: string, body: unknown): Promise<unknown> {
    const mode = this.mode.get(id);
    if (mode === 'timeout') throw new DomainError(ErrorCode.UNAVAILABLE, `catalog#${id} did not answer`, { transport: 'timeout' });
    if (mode === 'refused') throw new DomainError(ErrorCode.UNAVAILABLE, `catalog#${id} unreachable`, { transport: 'ECONNREFUSED' });
    const s = this.state.get(id)!;
    if (pattern.endsWith('.leader')) {
      const a = body as LeaderAnnouncement;
      s.term = a.term;
      s.leaderId = a.leaderId;
      s.role = a.leaderId === id ? 'primary' : 'backup';
    }
    return { app: 'catalog', id, role: s.role, term: s.term, leaderId: s.leaderId, last: { term: s.term, seq: 0 }, ready: true } satisfies ReplicaStatus;
  }
}

const replicas: Instance[] = [1, 2].map((id) => ({ app: 'catalog', id, host: '127.0.0.1', http: 0, tcp: 0 }));

function elector(fake: FakeReplicas, events: ElectionEvent[]): Elector {
  return new Elector({
    service: 'catalog', replicas, electorId: 1, pool: fake.pool(), logger: pino({ level: 'silent' }),
    policy: 'witness', leaderRole: 'primary', failAfter: 2, suspectAfter: 4, onEvent: (e) => events.push(e),
  });
}

describe('Elector failure detection: a refusal is a crash, a timeout only a suspicion', () => {
  let fake: FakeReplicas;
  let events: ElectionEvent[];
  let e: Elector;

  beforeEach(async () => {
    fake = new FakeReplicas([1, 2]);
    events = [];
    e = elector(fake, events);
    await e.tick();
    expect(e.currentLeader()?.instance.id).toBe(2); // both ready: the highest id
    expect(fake.primary()).toBe(2);
  });

  const lost = () => events.filter((x) => x.kind === 'leader-lost').length;

  it('a primary whose connection is refused is replaced after failAfter checks', async () => {
    fake.mode.set(2, 'refused');
    await e.tick();
    expect(e.currentLeader()?.instance.id).toBe(2);
    await e.tick();
    expect(lost()).toBe(1);
    expect(e.currentLeader()?.instance.id).toBe(1);
    expect(fake.state.get(1)!.role).toBe('primary');
  });

  it('a primary that only times out keeps leading until suspectAfter checks, and keeps it if it answers again', async () => {
    fake.mode.set(2, 'timeout');
    for (let i = 0; i < 3; i++) await e.tick();
    expect([lost(), e.currentLeader()?.instance.id]).toEqual([0, 2]);
    fake.mode.set(2, 'up');
    await e.tick();
    expect([lost(), e.currentLeader()?.instance.id]).toEqual([0, 2]);
    // silent for long enough: replaced
    fake.mode.set(2, 'timeout');
    for (let i = 0; i < 4; i++) await e.tick();
    expect(lost()).toBe(1);
    expect(e.currentLeader()?.instance.id).toBe(1);
  });

  it('a call that timed out counts as one miss; a refused call as enough at once', async () => {
    await e.reportFailure(2, new DomainError(ErrorCode.UNAVAILABLE, 'slow', { transport: 'timeout' }));
    expect([lost(), e.currentLeader()?.instance.id]).toEqual([0, 2]);
    fake.mode.set(2, 'refused');
    await e.reportFailure(2, new DomainError(ErrorCode.UNAVAILABLE, 'gone', { transport: 'ECONNREFUSED' }));
    expect(lost()).toBe(1);
    expect(e.currentLeader()?.instance.id).toBe(1);
  });
});
