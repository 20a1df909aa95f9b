// Finishing or rolling back an operation that was interrupted (kill -9, power loss): the
// write protocol and its recovery live together in transaction.ts.

export { recover, type RecoveryReport } from './transaction.js';
