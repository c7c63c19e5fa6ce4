import { AsyncLocalStorage } from 'node:async_hooks';

/** SQL statements run on behalf of one request: tests and benchmarks assert and print this. */
export interface SqlStats {
  statements: number;
}

export const sqlStatsStorage = new AsyncLocalStorage<SqlStats>();

export function countStatement(): void {
  const stats = sqlStatsStorage.getStore();
  if (stats) stats.statements++;
}
