import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { pgArray, query } from '../../db/sql';
import type { TextPart } from './extract';
import type { BlobStorage } from './storage';

/** Most characters of text indexed per file (about 2,500 pages of prose). */
export const MAX_TEXT_CHARS = 5_000_000;
/** A claim older than this belongs to a process that died: the blob is tried again. */
const STALE_CLAIM = '15 minutes';
const MAX_ATTEMPTS = 3;
const WORKER_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 5000;

interface Claimed {
  sha256: string;
  content_type: string;
}

/**
 * Extracts the full text of uploaded files in the background, one file at a time per process, in a
 * worker thread (pdf.js on a 300 MB PDF must not stall the API). Work is claimed in the database
 * (`for update skip locked`), so several processes share it and a crash only delays a file.
 */
export class TextExtractor {
  private orm: MikroORM | null = null;
  private storage: BlobStorage | null = null;
  private logger: Logger | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  start(orm: MikroORM, storage: BlobStorage, logger: Logger): void {
    this.orm = orm;
    this.storage = storage;
    this.logger = logger;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
    this.wake();
  }

  /** Looks for work now (after an upload). */
  wake(): void {
    if (this.stopped || !this.orm) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      let job: Claimed | null;
      try {
        job = await this.claim();
      } catch (err) {
        this.logger?.error({ err }, 'text extraction: claim failed');
        return;
      }
      if (!job) return;
      await this.process(job);
    }
  }

  private async claim(): Promise<Claimed | null> {
    const em = this.orm!.em.fork() as EntityManager;
    const rows = await query<Claimed>(
      em,
      `update e_blobs b set text_status = 'WORKING', text_claimed_at = now(), text_attempts = b.text_attempts + 1
        where b.sha256 = (
          select sha256 from e_blobs
           where (text_status = 'PENDING' or (text_status = 'WORKING' and text_claimed_at < now() - interval '${STALE_CLAIM}'))
             and text_attempts < ${MAX_ATTEMPTS}
           order by created_at limit 1 for update skip locked)
        returning b.sha256, b.content_type`,
    );
    return rows[0] ?? null;
  }

  private async process(job: Claimed): Promise<void> {
    const em = this.orm!.em.fork() as EntityManager;
    const started = Date.now();
    try {
      const parts = await this.runWorker(this.storage!.localPath(job.sha256)!, job.content_type);
      await em.transactional(async (tx) => {
        await query(tx, 'delete from e_text_parts where sha256 = ?', [job.sha256]);
        for (let i = 0; i < parts.length; i += 500) {
          const slice = parts.slice(i, i + 500);
          await query(
            tx,
            `insert into e_text_parts (sha256, seq, page, body)
             select ?, s, p, b from unnest(?::int[], ?::int[], ?::text[]) as x(s, p, b)`,
            [
              job.sha256,
              pgArray(tx, slice.map((_, k) => i + k + 1), 'bigint'),
              pgArray(tx, slice.map((p) => p.page ?? -1), 'bigint'),
              pgArray(tx, slice.map((p) => p.body), 'text'),
            ],
          );
        }
        await query(tx, 'update e_text_parts set page = null where sha256 = ? and page = -1', [job.sha256]);
        // the words join the texts' lexicon, and every resource using these bytes gets them in its text vector
        await query(
          tx,
          `insert into e_text_lexicon (word)
           select distinct w from e_text_parts p, unnest(tsvector_to_array(p.tsv)) w where p.sha256 = ? and length(w) between 2 and 40
           on conflict do nothing`,
          [job.sha256],
        );
        await query(tx, `select sn_eresource_text_refresh(array(select e_resource_id from e_files where sha256 = ? and e_resource_id is not null))`, [job.sha256]);
        const chars = parts.reduce((n, p) => n + p.body.length, 0);
        await query(
          tx,
          `update e_blobs set text_status = ?, text_chars = ?, text_parts = ?, text_error = null where sha256 = ?`,
          [parts.length ? 'DONE' : 'NONE', chars, parts.length, job.sha256],
        );
      });
      this.logger?.info({ sha256: job.sha256, parts: parts.length, ms: Date.now() - started }, 'text extracted');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger?.warn({ sha256: job.sha256, err: message }, 'text extraction failed');
      await query(
        em,
        `update e_blobs set text_status = case when text_attempts >= ${MAX_ATTEMPTS} then 'FAILED' else 'PENDING' end,
                text_error = left(?, 500) where sha256 = ?`,
        [message, job.sha256],
      ).catch(() => undefined);
    }
  }

  private runWorker(file: string, contentType: string): Promise<TextPart[]> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(path.join(__dirname, 'text-worker.js'), {
        workerData: { path: file, contentType, maxChars: MAX_TEXT_CHARS },
        resourceLimits: { maxOldGenerationSizeMb: 768 },
      });
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error('extraction took too long'));
      }, WORKER_TIMEOUT_MS);
      worker.once('message', (m: { parts?: TextPart[]; error?: string }) => {
        clearTimeout(timer);
        void worker.terminate();
        if (m.error !== undefined) reject(new Error(m.error));
        else resolve(m.parts ?? []);
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0) reject(new Error(`extraction worker exited with ${code}`));
      });
    });
  }
}

export const textExtractor = new TextExtractor();
