/** Replication factor N, read quorum R, write quorum W. */
export interface QuorumConfig {
  n: number;
  r: number;
  w: number;
}

/**
 * Gifford's weighted voting (1979) / Dynamo §4.5: with R + W > N every read quorum meets every write
 * quorum, so a read sees the latest acknowledged write. Throws, with every problem named, otherwise.
 */
export function checkQuorum(q: QuorumConfig): QuorumConfig {
  const problems: string[] = [];
  if (!Number.isSafeInteger(q.n) || q.n < 1) problems.push(`N=${q.n} must be a positive integer`);
  if (!Number.isSafeInteger(q.r) || q.r < 1 || q.r > q.n) problems.push(`R=${q.r} must be between 1 and N=${q.n}`);
  if (!Number.isSafeInteger(q.w) || q.w < 1 || q.w > q.n) problems.push(`W=${q.w} must be between 1 and N=${q.n}`);
  if (!quorumsIntersect(q.n, q.r, q.w)) problems.push(`R + W = ${q.r + q.w} must exceed N = ${q.n} so that reads meet writes`);
  if (problems.length) throw new RangeError(`invalid quorum: ${problems.join('; ')}`);
  return q;
}

export function quorumsIntersect(n: number, r: number, w: number): boolean {
  return r + w > n;
}

/** The default of the cart store: a majority for both. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}
