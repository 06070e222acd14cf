import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

/**
 * TypeORM options for one instance's own SQLite file (better-sqlite3: TypeORM 1.x dropped the
 * sqlite3 driver). WAL on; `synchronous` NORMAL survives kill -9 (the failure model of the tests),
 * FULL also survives a power cut (SQLITE_SYNCHRONOUS=FULL).
 */
export function sqliteOptions(file: string, entities: MixedList<Function | string | EntitySchema>, synchronous: string): DataSourceOptions {
  mkdirSync(dirname(file), { recursive: true });
  return {
    type: 'better-sqlite3',
    database: file,
    entities,
    synchronize: true,
    enableWAL: true,
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma(`synchronous = ${synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    },
  };
}
