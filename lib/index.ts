export * from './cluster';
export * from './modes';
export * from './props';
export * from './version';
export * from './volume-retention';
