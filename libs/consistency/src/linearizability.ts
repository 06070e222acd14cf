/**
 * A linearizability checker for key-value histories, in the spirit of Porcupine (Athalye 2017) and
 * Knossos. Linearizability is local (Herlihy & Wing 1990, P-compositionality): a history is
 * linearizable iff the history of each key is, so each key is checked alone, as a register. The
 * search is Wing & Gong's (1993) with Lowe's (2017) memoisation of (set of linearized operations,
 * state), bounded by a number of steps; a search that hits the bound answers 'unknown' (callers
 * count that as a failure).
 *
 * An operation that timed out is indeterminate: it may have happened or not. It is given an
 * infinite return time, so it may be linearized anywhere after its call — including after every
 * other operation, where it has no observable effect (the same as never happening).
 */

export type KvOp =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'get'; key: string }
  | { kind: 'delete'; key: string };

/** One client operation as recorded: call and return times (any monotonic unit). */
export interface HistoryEvent {
  client: string;
  op: KvOp;
  call: number;
  /** when the reply arrived; undefined: timed out (indeterminate) */
  ret?: number;
  /**
   * What the store answered: get → {found, value}; put → {ok}; delete → {ok, existed}. A put or delete
   * that answered ok:false may still have been applied: it is indeterminate, like a timeout. A get
   * without an answer is ignored (it has no effect).
   */
  out?: { ok?: boolean; found?: boolean; value?: string; existed?: boolean };
  /** where it was sent (not used by the checker; helps reading a failure) */
  via?: string;
}

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

export interface KeyResult {
  key: string;
  verdict: Verdict;
  steps: number;
  ops: number;
  detail?: string;
}

export interface CheckResult {
  verdict: Verdict;
  keys: KeyResult[];
}

interface Op {
  kind: KvOp['kind'];
  value?: string;
  call: number;
  ret: number;
  /** get: expected result; delete: expected `existed` (undefined = not known) */
  found?: boolean;
  existed?: boolean;
  label: string;
}

interface Node {
  op: number;
  isCall: boolean;
  time: number;
  prev: Node | null;
  next: Node | null;
  /** a call's return node */
  match: Node | null;
}

/** A register: absent, or present with a value. */
type State = { present: false } | { present: true; value: string };

const ABSENT: State = { present: false };

function step(s: State, op: Op): State | null {
  switch (op.kind) {
    case 'put':
      return { present: true, value: op.value! };
    case 'delete':
      if (op.existed !== undefined && op.existed !== s.present) return null;
      return ABSENT;
    case 'get':
      if (op.found === false) return s.present ? null : s;
      return s.present && s.value === op.value ? s : null;
  }
}

const stateKey = (s: State) => (s.present ? `+${s.value}` : '-');

export function checkLinearizable(history: readonly HistoryEvent[], opts: { maxSteps?: number } = {}): CheckResult {
  const maxSteps = opts.maxSteps ?? 1_000_000;
  const byKey = new Map<string, HistoryEvent[]>();
  for (const e of history) {
    const list = byKey.get(e.op.key) ?? [];
    list.push(e);
    byKey.set(e.op.key, list);
  }
  const keys = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, events]) => checkKey(key, events, maxSteps));
  const verdict: Verdict = keys.some((k) => k.verdict === 'not-linearizable')
    ? 'not-linearizable'
    : keys.some((k) => k.verdict === 'unknown') ? 'unknown' : 'linearizable';
  return { verdict, keys };
}

function toOps(events: HistoryEvent[]): Op[] {
  const ops: Op[] = [];
  for (const e of events) {
    const answered = e.ret !== undefined && e.out !== undefined;
    if (e.op.kind === 'get') {
      // a get without an answer (or a failed one) has no effect and constrains nothing
      if (!answered || e.out!.ok === false || e.out!.found === undefined) continue;
      ops.push({ kind: 'get', call: e.call, ret: e.ret!, found: e.out!.found, value: e.out!.value, label: `${e.client}: get → ${e.out!.found ? JSON.stringify(e.out!.value) : 'absent'}` });
      continue;
    }
    const determinate = answered && e.out!.ok !== false;
    const ret = determinate ? e.ret! : Number.POSITIVE_INFINITY;
    if (e.op.kind === 'put') {
      ops.push({ kind: 'put', value: e.op.value, call: e.call, ret, label: `${e.client}: put ${JSON.stringify(e.op.value)}${determinate ? '' : ' (indeterminate)'}` });
    } else {
      ops.push({ kind: 'delete', call: e.call, ret, existed: determinate ? e.out!.existed : undefined, label: `${e.client}: delete${determinate && e.out!.existed !== undefined ? ` → existed ${e.out!.existed}` : ''}` });
    }
  }
  return ops;
}

function checkKey(key: string, events: HistoryEvent[], maxSteps: number): KeyResult {
  const ops = toOps(events);
  if (!ops.length) return { key, verdict: 'linearizable', steps: 0, ops: 0 };

  // the event list: calls and returns in time order; at equal times calls first (A precedes B only if A.ret < B.call)
  const nodes: Node[] = [];
  ops.forEach((op, i) => {
    const ret: Node = { op: i, isCall: false, time: op.ret, prev: null, next: null, match: null };
    const call: Node = { op: i, isCall: true, time: op.call, prev: null, next: null, match: ret };
    nodes.push(call, ret);
  });
  nodes.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Node = { op: -1, isCall: false, time: Number.NEGATIVE_INFINITY, prev: null, next: null, match: null };
  let prev = head;
  for (const n of nodes) {
    prev.next = n;
    n.prev = prev;
    prev = n;
  }

  const lift = (call: Node) => {
    call.prev!.next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match!;
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Node) => {
    const ret = call.match!;
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
    call.prev!.next = call;
    if (call.next) call.next.prev = call;
  };

  const cache = new Set<string>();
  const stack: { call: Node; state: State }[] = [];
  let linearized = 0n;
  let state: State = ABSENT;
  let entry = head.next;
  let steps = 0;
  let deepest = 0;
  let blocker = '';
  while (head.next) {
    if (++steps > maxSteps) {
      return { key, verdict: 'unknown', steps, ops: ops.length, detail: `search bound of ${maxSteps} steps reached` };
    }
    if (entry!.isCall) {
      const next = step(state, ops[entry!.op]);
      if (next) {
        const bits = linearized | (1n << BigInt(entry!.op));
        const k = `${bits.toString(36)}|${stateKey(next)}`;
        if (!cache.has(k)) {
          cache.add(k);
          stack.push({ call: entry!, state });
          state = next;
          linearized = bits;
          lift(entry!);
          if (stack.length > deepest) deepest = stack.length;
          entry = head.next;
          continue;
        }
      }
      entry = entry!.next;
    } else {
      // a return reached before its operation could be placed: undo the last choice
      if (stack.length >= deepest && !blocker) blocker = ops[entry!.op].label;
      if (!stack.length) {
        return {
          key, verdict: 'not-linearizable', steps, ops: ops.length,
          detail: `no order of the ${ops.length} operations on ${JSON.stringify(key)} explains the answers; the longest linearizable prefix has ${deepest} operations, then ${blocker || ops[entry!.op].label} cannot be placed`,
        };
      }
      const top = stack.pop()!;
      linearized &= ~(1n << BigInt(top.call.op));
      state = top.state;
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { key, verdict: 'linearizable', steps, ops: ops.length };
}
