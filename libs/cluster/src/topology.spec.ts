import { validateTopology } from './topology';
import { compareTerms, maxTerm, nextTerm } from './term';
import { loadConfig, BaseEnv } from './config';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

describe('validateTopology', () => {
  it('accepts the repository topology shape', () => {
    expect(() => validateTopology({ instances: [{ app: 'gateway', id: 1, host: '127.0.0.1', http: 3000, tcp: 4000 }] })).not.toThrow();
  });

  it('reports every problem at once: unknown app, duplicate ids, reused ports, bad ids', () => {
    const bad = {
      instances: [
        { app: 'nope', id: 1, host: 'h', http: 1 },
        { app: 'catalog', id: 1, host: 'h', http: 2 },
        { app: 'catalog', id: 1, host: 'h', http: 2 },
        { app: 'catalog', id: 0, host: 'h', tcp: 70000 },
      ],
    };
    let message = '';
    try {
      validateTopology(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/unknown app/);
    expect(message).toMatch(/duplicate catalog#1/);
    expect(message).toMatch(/port h:2\/tcp used twice/);
    expect(message).toMatch(/id must be a positive integer/);
    expect(message).toMatch(/bad tcp port/);
  });
});

describe('terms', () => {
  it('compare by counter, then by elector id, and the next term is above every term seen', () => {
    expect(compareTerms({ counter: 2, electorId: 1 }, { counter: 1, electorId: 9 })).toBeGreaterThan(0);
    expect(compareTerms({ counter: 2, electorId: 1 }, { counter: 2, electorId: 2 })).toBeLessThan(0);
    const seen = maxTerm({ counter: 3, electorId: 2 }, { counter: 3, electorId: 1 });
    expect(seen).toEqual({ counter: 3, electorId: 2 });
    expect(compareTerms(nextTerm(seen, 1), seen)).toBeGreaterThan(0);
  });
});

describe('loadConfig', () => {
  it('reports every bad variable at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 't.json'), JSON.stringify({ instances: [{ app: 'gateway', id: 1, host: 'h', http: 1 }] }));
    expect(() => loadConfig('gateway', BaseEnv, { TOPOLOGY_FILE: join(dir, 't.json'), INSTANCE_ID: 'x', LOG_LEVEL: 'loud', RPC_TIMEOUT_MS: '-5' }))
      .toThrow(/INSTANCE_ID[\s\S]*LOG_LEVEL[\s\S]*RPC_TIMEOUT_MS|INSTANCE_ID[\s\S]*RPC_TIMEOUT_MS[\s\S]*LOG_LEVEL/);
    const ok = loadConfig('gateway', BaseEnv, { TOPOLOGY_FILE: join(dir, 't.json'), INSTANCE_ID: '1' });
    expect(ok.self.http).toBe(1);
    expect(ok.env.RPC_TIMEOUT_MS).toBe(1000);
  });
});
