export * from './errors';
export * from './term';
export * from './replication';
export * from './recovery';
export * from './catalog';
export * from './gateway';
export * from './order';
export * from './kv';
