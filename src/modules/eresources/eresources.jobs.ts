import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { query } from '../../db/sql';
import { runtime } from './runtime';
import { BlobStorage } from './storage';
import { startSearchStats } from './search-stats';
import { textExtractor } from './text-extractor';

const BATCH = 500;
/** Uploads never attached to an e-resource are dropped after this long. */
const UNATTACHED_HOURS = 24;

let storage: BlobStorage | null = null;

/** Digital loans past their due date end (access had already stopped at dueAt): one event and audit row each. */
async function expireDigitalLoans(em: EntityManager): Promise<number> {
  const rows = await query<{ n: string }>(
    em,
    `with due as (
       select id from e_loans where returned_at is null and due_at <= now() order by due_at limit ${BATCH} for update skip locked
     ), upd as (
       update e_loans l set returned_at = l.due_at, ended_by = 'EXPIRED' from due where l.id = due.id
       returning l.id, l.e_resource_id, l.patron_id, l.library_id, l.due_at
     ), ev as (
       insert into events (type, library_ids, entity, entity_id, payload)
       select 'eresource.loan.expired', array[library_id], 'DigitalLoan', id,
              jsonb_build_object('loanId', id, 'eResourceId', e_resource_id, 'patronId', patron_id, 'dueAt', due_at)
         from upd returning 1
     ), au as (
       insert into audit_log (library_id, action, entity, entity_id, before, after)
       select library_id, 'job:expireDigitalLoans', 'DigitalLoan', id, '{"open":true}', '{"endedBy":"EXPIRED"}' from upd returning 1
     )
     select count(*) n from upd`,
  );
  const n = Number(rows[0].n);
  return n;
}

/** Uploads left unattached are removed, then bytes no file refers to any more (rows and disk). */
async function purgeUnattachedFiles(em: EntityManager): Promise<number> {
  const files = await query<{ n: string }>(
    em,
    `with gone as (delete from e_files where id in (
        select id from e_files where e_resource_id is null and uploaded_at < now() - interval '${UNATTACHED_HOURS} hours'
         limit ${BATCH} for update skip locked) returning 1)
     select count(*) n from gone`,
  );
  const blobs = await query<{ sha256: string }>(
    em,
    `delete from e_blobs where sha256 in (
       select b.sha256 from e_blobs b where b.created_at < now() - interval '1 hour'
          and not exists (select 1 from e_files f where f.sha256 = b.sha256)
        limit ${BATCH} for update skip locked)
     returning sha256`,
  );
  // a concurrent upload of the same bytes waits on these rows until this commits, then stores them anew
  for (const b of blobs) await storage?.remove(b.sha256);
  if (storage) await storage.sweepTemp(3600_000);
  return Number(files[0].n) + blobs.length;
}

/** The digital library's scheduler jobs (keys 20+ of the shared advisory-lock namespace). */
export const ERESOURCE_JOBS: { name: string; key: number; run: (em: EntityManager) => Promise<number> }[] = [
  { name: 'expireDigitalLoans', key: 20, run: expireDigitalLoans },
  { name: 'purgeUnattachedFiles', key: 21, run: purgeUnattachedFiles },
];

/** Starts this process's part of the digital library: storage for the jobs, background text extraction. */
export function startEResources(orm: MikroORM, logger: Logger, config: Config): { stop(): Promise<void> } {
  storage = runtime(config).storage;
  if (config.eresourceTextExtraction) textExtractor.start(orm, storage, logger);
  const stats = startSearchStats(orm, logger);
  return {
    stop: () => {
      stats.stop();
      return textExtractor.stop();
    },
  };
}
