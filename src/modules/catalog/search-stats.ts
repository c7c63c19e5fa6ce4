import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { fold } from '../../common/text';
import { query } from '../../db/sql';

/**
 * How many records a query matches, estimated from PostgreSQL's own statistics of the search column
 * (pg_stats.most_common_elems: the share of rows holding each frequent word). Read in the background,
 * never on a request's path, so it costs requests nothing. Without statistics (a fresh or tiny
 * catalog) every query counts as narrow.
 */
export class LexemeStats {
  private freq = new Map<string, number>();
  private rows = 0;
  private minFreq = 0;

  async refresh(em: EntityManager): Promise<void> {
    const rows = await query<{ elems: string[] | null; freqs: number[] | null; reltuples: number }>(
      em,
      `select s.most_common_elems::text::text[] elems, s.most_common_elem_freqs freqs,
              (select greatest(reltuples, 0) from pg_class where oid = 'bib_records'::regclass) reltuples
         from pg_stats s where s.schemaname = current_schema() and s.tablename = 'bib_records' and s.attname = 'search_vector'`,
    );
    const r = rows[0];
    const freq = new Map<string, number>();
    if (r?.elems && r.freqs) r.elems.forEach((w, i) => freq.set(w, r.freqs![i]));
    this.freq = freq;
    this.rows = Number(r?.reltuples ?? 0);
    this.minFreq = freq.size ? Math.min(...freq.values()) : 0;
  }

  /** Rows in the catalog as PostgreSQL last counted them (0: unknown). */
  get catalogRows(): number {
    return this.rows;
  }

  /** Estimated matches of the AND of the query's words (null: no statistics yet). */
  estimate(q: string): number | null {
    if (this.rows === 0 || this.freq.size === 0) return null;
    const words = fold(q).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    if (words.length === 0) return null;
    let share = 1;
    // a word missing from the frequent list is rarer than the rarest listed one
    for (const w of new Set(words)) share *= this.freq.get(w) ?? this.minFreq / 2;
    return Math.round(this.rows * share);
  }

  /** Whether every word of the query appears in at least `share` of the catalog. */
  allFrequent(q: string, share: number): boolean {
    if (this.rows === 0 || this.freq.size === 0) return false;
    const words = fold(q).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    return words.length > 0 && words.every((w) => (this.freq.get(w) ?? 0) >= share);
  }

  /** Refreshes now and then every interval (timer does not keep the process alive). */
  start(orm: MikroORM, logger: Logger, intervalMs = 5 * 60_000): { stop(): void } {
    const run = () =>
      this.refresh(orm.em.fork() as EntityManager).catch((err) => logger.warn({ err }, 'search statistics not refreshed'));
    void run();
    const timer = setInterval(run, intervalMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }
}

export const lexemeStats = new LexemeStats();
