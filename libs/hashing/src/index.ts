export * from './hash';
export * from './placement';
