import type { KvVersion } from '@app/contracts';

export const ZERO_VERSION: KvVersion = [0, 0, 0];

/** Orders writes: by term, then leader id (two leaders of one term in a partitioned cluster), then seq. */
export function compareVersions(a: KvVersion, b: KvVersion): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export function versionString(v: KvVersion): string {
  return `${v[0]}.${v[1]}.${v[2]}`;
}

export function isVersion(v: unknown): v is KvVersion {
  return Array.isArray(v) && v.length === 3 && v.every((x) => Number.isSafeInteger(x) && x >= 0);
}
