import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { fold } from '../../common/text';
import { query } from '../../db/sql';

/**
 * Share of rows a query's words match in a tsvector column, estimated from PostgreSQL's own
 * statistics (pg_stats.most_common_elems), read in the background like the catalog's LexemeStats.
 * Null without statistics (a fresh or small database): callers then take the exact plan.
 */
export class VectorStats {
  private freq = new Map<string, number>();
  private minFreq = 0;
  rows = 0;

  constructor(
    private readonly table: string,
    private readonly column: string,
  ) {}

  async refresh(em: EntityManager): Promise<void> {
    const rows = await query<{ elems: string[] | null; freqs: number[] | null; reltuples: number }>(
      em,
      `select s.most_common_elems::text::text[] elems, s.most_common_elem_freqs freqs,
              (select greatest(reltuples, 0) from pg_class where oid = ?::regclass) reltuples
         from pg_stats s where s.schemaname = current_schema() and s.tablename = ? and s.attname = ?`,
      [this.table, this.table, this.column],
    );
    const r = rows[0];
    const freq = new Map<string, number>();
    if (r?.elems && r.freqs) r.elems.forEach((w, i) => freq.set(w, r.freqs![i]));
    this.freq = freq;
    this.rows = Number(r?.reltuples ?? 0);
    this.minFreq = freq.size ? Math.min(...freq.values()) : 0;
  }

  /** Whether every word of the query is among the column's frequent words (each in at least `atLeast` of the rows). */
  allFrequent(q: string, atLeast = 0): boolean {
    if (this.rows === 0 || this.freq.size === 0) return false;
    const words = fold(q).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    return words.length > 0 && words.every((w) => (this.freq.get(w) ?? -1) >= atLeast);
  }

  /** Estimated share (0-1) of rows holding every word of the query; null when unknown. */
  share(q: string): number | null {
    if (this.rows === 0 || this.freq.size === 0) return null;
    const words = fold(q).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    if (!words.length) return null;
    let share = 1;
    // a word missing from the frequent list is rarer than the rarest listed one
    for (const w of new Set(words)) share *= this.freq.get(w) ?? this.minFreq / 2;
    return share;
  }
}

export const descriptionStats = new VectorStats('e_resources', 'search_vector');
export const textStats = new VectorStats('e_resource_texts', 'text_vector');

/** Refreshes both now and every interval (the timer does not keep the process alive). */
export function startSearchStats(orm: MikroORM, logger: Logger, intervalMs = 5 * 60_000): { stop(): void } {
  const run = async () => {
    for (const s of [descriptionStats, textStats]) {
      await s.refresh(orm.em.fork() as EntityManager).catch((err) => logger.warn({ err }, 'e-resource search statistics not refreshed'));
    }
  };
  void run();
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
