import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, validateSync } from 'class-validator';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_TOPOLOGY_FILE, findInstance, loadTopology, type AppName, type Instance, type Topology } from './topology';

/**
 * Environment every app reads. This class and its subclasses are the only places that read
 * process.env; `loadConfig` validates it once at boot and reports every bad variable at once.
 */
export class BaseEnv {
  /** topology file listing every instance (default ./topology.json) */
  @IsString() @IsNotEmpty()
  TOPOLOGY_FILE: string = DEFAULT_TOPOLOGY_FILE;

  /** this instance's id among the instances of its app in the topology (default 1) */
  @Type(() => Number) @IsInt() @Min(1)
  INSTANCE_ID: number = 1;

  /** directory for databases, logs and the admin token (default ./data) */
  @IsString() @IsNotEmpty()
  DATA_DIR: string = './data';

  /** pino level (default info) */
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  /** time an inter-app RPC may take before the peer counts as unavailable (default 1000 ms) */
  @Type(() => Number) @IsInt() @Min(10) @Max(60000)
  RPC_TIMEOUT_MS: number = 1000;

  /** SQLite `synchronous` pragma: NORMAL survives a process crash (kill -9), FULL a power loss too */
  @IsIn(['NORMAL', 'FULL'])
  SQLITE_SYNCHRONOUS: string = 'NORMAL';

  /** comma-separated fault points to switch on (tests), e.g. "catalog.crash-after-commit" */
  @IsOptional() @IsString()
  @Transform(({ value }) => (value === '' ? undefined : value))
  FAULTS?: string;
}

export interface LoadedConfig<E extends BaseEnv> {
  env: E;
  topology: Topology;
  self: Instance;
  dataDir: string;
  faults: Set<string>;
}

export function loadConfig<E extends BaseEnv>(app: AppName, cls: new () => E, source: NodeJS.ProcessEnv = process.env): LoadedConfig<E> {
  const known = Object.keys(new cls());
  const raw: Record<string, unknown> = {};
  for (const key of known) if (source[key] !== undefined) raw[key] = source[key];
  const env = plainToInstance(cls, raw, { exposeDefaultValues: true });
  const errors = validateSync(env as object, { forbidUnknownValues: false });
  if (errors.length) {
    const lines = errors.map((e) => `  ${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new Error(`invalid environment for ${app}:\n${lines.join('\n')}`);
  }
  const topology = loadTopology(env.TOPOLOGY_FILE);
  const self = findInstance(topology, app, env.INSTANCE_ID);
  const faults = new Set((env.FAULTS ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  return { env, topology, self, dataDir: resolve(env.DATA_DIR), faults };
}

/** The admin token: the environment's, else the one `npm start` generated and kept in the data dir. */
export function readAdminToken(dataDir: string, fromEnv?: string): string | undefined {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'admin-token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}
