/**
 * A linearizability checker for key-value histories, in the spirit of Porcupine (Athalye 2017,
 * https://github.com/anishathalye/porcupine) and Knossos (https://github.com/jepsen-io/knossos).
 *
 * - Locality: linearizability is local (Herlihy & Wing 1990, "Linearizability: a correctness
 *   condition for concurrent objects", Theorem 1; Porcupine calls it P-compositionality): a history
 *   is linearizable iff each object's sub-history is. Each key is one register, checked alone, which
 *   turns one exponential search into many small ones.
 * - Search: Wing & Gong (1993, "Testing and verifying concurrent objects") over the time-ordered
 *   list of call/return events: repeatedly pick a pending call that the model accepts, "lift" it and
 *   its return out of the list, and backtrack when a return is reached whose call has not been
 *   linearized (that operation had to take effect before the point it ended).
 * - Memoisation: Lowe (2017, "Testing for linearizability", CC:P&E) — two search nodes with the same
 *   set of linearized operations and the same model state have the same future, so each
 *   (set, state) pair is explored once. Without it the search is factorial on concurrent writes.
 * - A bound on search steps: the problem is NP-complete (Gibbons & Korach 1997), so a search that
 *   hits the bound answers 'unknown', which callers must count as a failure, not a pass.
 *
 * Indeterminate operations (a timeout, or a write that answered an error but may have been applied)
 * follow Knossos/Jepsen's ":info" treatment: the return time is +infinity, so the operation may take
 * effect at any point after its call, and the search succeeds once every *determinate* operation is
 * linearized — the indeterminate ones left over are the ones that never happened.
 *
 * Pure: no I/O, clock or randomness, so a failing history replays to the same verdict.
 */

export type KvOp =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'get'; key: string }
  | { kind: 'delete'; key: string };

/** One client operation as recorded: call and return times (any monotonic unit). */
export interface HistoryEvent {
  /** who issued it (a client issues one op at a time) */
  client: string;
  op: KvOp;
  /** when it was sent */
  call: number;
  /** when the reply arrived; undefined = timed out / no reply: indeterminate (it may or may not have happened) */
  ret?: number;
  /**
   * What the store answered, when it answered:
   *  get: { found: true, value } | { found: false }
   *  put: { ok: true } (ok:false is indeterminate too, since the write may have been applied)
   *  delete: { ok: true, existed: boolean } or { ok: false } (indeterminate)
   * A get without an answer, or with ok:false / no `found`, has no effect and is ignored.
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
  /** for not-linearizable: the longest linearizable prefix found and the op that could not be placed; for unknown: the bound */
  detail?: string;
}

export interface CheckResult {
  verdict: Verdict;
  keys: KeyResult[];
}

/** One operation on one key, as the search sees it. */
interface Op {
  kind: KvOp['kind'];
  /** put: the value written; get: the value read when found */
  value?: string;
  call: number;
  /** +Infinity when indeterminate */
  ret: number;
  determinate: boolean;
  /** get: whether it found the key */
  found?: boolean;
  /** delete: what it answered about the key existing (undefined = not known, no constraint) */
  existed?: boolean;
  label: string;
}

/** A call or return event in Wing & Gong's doubly linked list. */
interface Node {
  op: number;
  isCall: boolean;
  time: number;
  prev: Node | null;
  next: Node | null;
  /** a call's return node (null for returns and the head) */
  match: Node | null;
}

/** The sequential specification: one register, absent or holding a value. */
type State = { present: false } | { present: true; value: string };

const ABSENT: State = { present: false };

/** The model's transition: the next state, or null when `op`'s recorded output is impossible in `s`. */
function apply(s: State, op: Op): State | null {
  switch (op.kind) {
    case 'put':
      return { present: true, value: op.value as string };
    case 'delete':
      if (op.existed !== undefined && op.existed !== s.present) return null;
      return ABSENT;
    case 'get':
      if (!op.found) return s.present ? null : s;
      return s.present && s.value === op.value ? s : null;
  }
}

const show = (s: State): string => (s.present ? JSON.stringify(s.value) : 'absent');
// '|' cannot occur in a base-36 number, so `${bits}|${state}` is unambiguous whatever the value holds
const stateKey = (s: State): string => (s.present ? `+${s.value}` : '-');

/** Checks every key; 'unknown' when any key's search hit maxSteps (counts as failure for callers). */
export function checkLinearizable(history: readonly HistoryEvent[], opts: { maxSteps?: number } = {}): CheckResult {
  const maxSteps = opts.maxSteps ?? 1_000_000;
  const byKey = new Map<string, HistoryEvent[]>();
  for (const e of history) {
    const list = byKey.get(e.op.key);
    if (list) list.push(e);
    else byKey.set(e.op.key, [e]);
  }
  const keys = [...byKey.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => checkKey(key, byKey.get(key) as HistoryEvent[], maxSteps));
  // a definite violation outranks an inconclusive search: it is the more useful answer
  const verdict: Verdict = keys.some((k) => k.verdict === 'not-linearizable')
    ? 'not-linearizable'
    : keys.some((k) => k.verdict === 'unknown')
      ? 'unknown'
      : 'linearizable';
  return { verdict, keys };
}

const interval = (call: number, ret: number): string => `[${call}, ${ret === Number.POSITIVE_INFINITY ? '∞' : ret}]`;

function toOps(events: readonly HistoryEvent[]): Op[] {
  const ops: Op[] = [];
  for (const e of events) {
    const out = e.out;
    const answered = e.ret !== undefined && out !== undefined;
    if (e.op.kind === 'get') {
      // a read without an answer has no effect on the state and constrains nothing
      if (!answered || out.ok === false || out.found === undefined) continue;
      const ret = e.ret as number;
      ops.push({
        kind: 'get', call: e.call, ret, determinate: true, found: out.found, value: out.value,
        label: `${e.client} get → ${out.found ? JSON.stringify(out.value) : 'absent'} ${interval(e.call, ret)}`,
      });
      continue;
    }
    // a write that timed out or answered an error may still have been applied (Jepsen's :info)
    const determinate = answered && out.ok !== false;
    const ret = determinate ? (e.ret as number) : Number.POSITIVE_INFINITY;
    const tag = determinate ? '' : ' (indeterminate)';
    if (e.op.kind === 'put') {
      ops.push({ kind: 'put', value: e.op.value, call: e.call, ret, determinate, label: `${e.client} put ${JSON.stringify(e.op.value)}${tag} ${interval(e.call, ret)}` });
    } else {
      const existed = determinate ? out.existed : undefined;
      ops.push({
        kind: 'delete', call: e.call, ret, determinate, existed,
        label: `${e.client} delete${existed === undefined ? '' : ` → existed ${existed}`}${tag} ${interval(e.call, ret)}`,
      });
    }
  }
  return ops;
}

/** Wing & Gong's search with Lowe's cache over one key's operations. */
function checkKey(key: string, events: readonly HistoryEvent[], maxSteps: number): KeyResult {
  const ops = toOps(events);
  let pendingDeterminate = ops.reduce((n, op) => n + (op.determinate ? 1 : 0), 0);
  if (pendingDeterminate === 0) return { key, verdict: 'linearizable', steps: 0, ops: ops.length };

  // The event list in time order. At equal times calls sort before returns, so an operation that
  // returned at t and one called at t are concurrent: A precedes B only if A.ret < B.call.
  const nodes: Node[] = [];
  ops.forEach((op, i) => {
    const ret: Node = { op: i, isCall: false, time: op.ret, prev: null, next: null, match: null };
    nodes.push({ op: i, isCall: true, time: op.call, prev: null, next: null, match: ret }, ret);
  });
  nodes.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Node = { op: -1, isCall: false, time: Number.NEGATIVE_INFINITY, prev: null, next: null, match: null };
  let last = head;
  for (const n of nodes) {
    last.next = n;
    n.prev = last;
    last = n;
  }

  // lift/unlift as in Wing & Gong (and Porcupine's list.go): unlink a call and its return, and put
  // them back in the reverse order, which restores the list exactly (dancing-links style)
  const unlink = (n: Node) => {
    (n.prev as Node).next = n.next;
    if (n.next) n.next.prev = n.prev;
  };
  const relink = (n: Node) => {
    (n.prev as Node).next = n;
    if (n.next) n.next.prev = n;
  };
  const lift = (call: Node) => {
    unlink(call);
    unlink(call.match as Node);
  };
  const unlift = (call: Node) => {
    relink(call.match as Node);
    relink(call);
  };

  const cache = new Set<string>();
  const stack: { call: Node; state: State }[] = [];
  let linearized = 0n;
  let state: State = ABSENT;
  let entry: Node | null = head.next;
  let steps = 0;
  // for the explanation: the deepest prefix reached, its last few ops and state, and the op whose
  // return then stopped it (Porcupine reports the same "longest partial linearization")
  let deepest = -1;
  let deepestTail: number[] = [];
  let deepestState: State = ABSENT;
  let blocker = -1;
  const noteDepth = () => {
    if (stack.length > deepest) {
      deepest = stack.length;
      deepestTail = stack.slice(-3).map((f) => f.call.op);
      deepestState = state;
      blocker = -1;
    }
  };
  noteDepth();

  while (entry) {
    if (++steps > maxSteps) {
      return { key, verdict: 'unknown', steps: steps - 1, ops: ops.length, detail: `search bound of ${maxSteps} steps reached after a linearizable prefix of ${deepest} of ${ops.length} operations` };
    }
    if (entry.isCall) {
      const op = ops[entry.op];
      const next = apply(state, op);
      if (next) {
        const bits = linearized | (1n << BigInt(entry.op));
        const k = `${bits.toString(36)}|${stateKey(next)}`;
        if (!cache.has(k)) {
          cache.add(k);
          stack.push({ call: entry, state });
          state = next;
          linearized = bits;
          lift(entry);
          if (op.determinate && --pendingDeterminate === 0) {
            // every op that certainly happened is placed; leftover indeterminate ones never happened
            return { key, verdict: 'linearizable', steps, ops: ops.length };
          }
          noteDepth();
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
      continue;
    }
    // A return whose call is still pending: that op had to take effect by now and cannot in this
    // state, so undo the last choice and try the next candidate after it.
    if (stack.length === deepest && blocker < 0) blocker = entry.op;
    const top = stack.pop();
    if (!top) break;
    linearized &= ~(1n << BigInt(top.call.op));
    state = top.state;
    if (ops[top.call.op].determinate) pendingDeterminate++;
    unlift(top.call);
    entry = top.call.next;
  }

  const tail = deepestTail.map((i) => ops[i].label).join('; ');
  const stuck = blocker >= 0 ? ops[blocker].label : 'an operation';
  return {
    key, verdict: 'not-linearizable', steps, ops: ops.length,
    detail: `no order of the ${ops.length} operations on ${JSON.stringify(key)} explains the answers: ` +
      `the longest linearizable prefix has ${deepest} operation(s)${tail ? ` (ending: ${tail})` : ''}, ` +
      `leaving the key ${show(deepestState)}; then ${stuck} cannot be placed`,
  };
}
