export * from './version-vector';
export * from './counter';
export * from './cart';
export * from './versioned';
export * from './quorum';
export * from './two-phase-commit';
export * from './linearizability';
export * from './counter-doc';
