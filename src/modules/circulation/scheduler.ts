import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { query } from '../../db/sql';
import { Viewer } from '../auth/viewer';
import { audit } from '../audit/audit.service';
import { lockItemByBarcode, routeFreeItem } from './routing';
import { illOverdue, illTimeouts } from '../sharing/ill.jobs';
import { ERESOURCE_JOBS } from '../eresources/eresources.jobs';

/** Advisory-lock namespace of Shelfnet's jobs (first key of pg_try_advisory_xact_lock). */
const LOCK_NAMESPACE = 0x5348454c; // 'SHEL'
const BATCH = 500;

export interface JobResult {
  job: string;
  /** false: another process holds the job's lock and runs it now. */
  ran: boolean;
  changed: number;
}

type Job = (em: EntityManager) => Promise<number>;

/**
 * Runs one job in one transaction under a transaction-scoped advisory lock: with several API
 * processes exactly one runs it at a time, and a process that dies half-way rolls everything back
 * (the lock goes with the connection).
 */
async function runLocked(em: EntityManager, name: string, key: number, job: Job): Promise<JobResult> {
  return em.transactional(async (tx) => {
    const lock = await query<{ ok: boolean }>(tx, 'select pg_try_advisory_xact_lock(?, ?) ok', [LOCK_NAMESPACE, key]);
    if (!lock[0].ok) return { job: name, ran: false, changed: 0 };
    return { job: name, ran: true, changed: await job(tx) };
  });
}

/** Loans past their due date become overdue (one event and audit row each). */
async function markOverdue(em: EntityManager): Promise<number> {
  const rows = await query<{ n: string }>(
    em,
    `with due as (
       select id from loans where returned_at is null and not overdue and due_at < now()
        order by due_at limit ${BATCH} for update skip locked
     ), upd as (
       update loans l set overdue = true from due where l.id = due.id
       returning l.id, l.item_id, l.patron_id, l.library_id, l.due_at
     ), ev as (
       insert into events (type, library_ids, entity, entity_id, payload)
       select 'loan.overdue', array[library_id], 'Loan', id,
              jsonb_build_object('loanId', id, 'itemId', item_id, 'patronId', patron_id, 'dueAt', due_at)
         from upd returning 1
     ), au as (
       insert into audit_log (library_id, action, entity, entity_id, before, after)
       select library_id, 'job:markOverdue', 'Loan', id, '{"overdue":false}', '{"overdue":true}' from upd returning 1
     )
     select count(*) n from upd`,
  );
  const n = Number(rows[0].n);
  return n;
}

/** Cards past their expiry date become EXPIRED. */
async function expirePatrons(em: EntityManager): Promise<number> {
  const rows = await query<{ n: string }>(
    em,
    `with exp as (
       update patrons p set status = 'EXPIRED', updated_at = now()
        where p.id in (select id from patrons where status = 'ACTIVE'
                         and expires_on < (now() at time zone 'Asia/Ho_Chi_Minh')::date
                       limit ${BATCH} for update skip locked)
       returning p.id, p.home_library_id
     ), ev as (
       insert into events (type, library_ids, entity, entity_id, payload)
       select 'patron.expired', array[home_library_id], 'Patron', id, jsonb_build_object('patronId', id) from exp returning 1
     ), au as (
       insert into audit_log (library_id, action, entity, entity_id, before, after)
       select home_library_id, 'job:expirePatrons', 'Patron', id, '{"status":"ACTIVE"}', '{"status":"EXPIRED"}' from exp returning 1
     )
     select count(*) n from exp`,
  );
  return Number(rows[0].n);
}

/**
 * Uncollected holds on the shelf expire; their copies go to the next hold or home. Each copy is locked
 * before its hold, the order of the desk (checkout locks the copy, then the hold on it): the other
 * order deadlocked with a patron collecting the copy at that moment. A hold a desk is busy with is
 * skipped and comes again next run.
 */
async function expireHolds(em: EntityManager): Promise<number> {
  const candidates = await query<{ id: string; barcode: string | null }>(
    em,
    `select h.id, i.barcode
       from holds h left join items i on i.id = h.captured_item_id
      where h.status = 'READY_FOR_PICKUP' and h.shelf_expires_at < now()
      order by h.shelf_expires_at limit 100`,
  );
  const system = { em, viewer: Viewer.anonymous() };
  let expired = 0;
  for (const c of candidates) {
    const item = c.barcode ? await lockItemByBarcode(em, c.barcode) : null;
    // re-checked under the lock: the patron may have collected it, or staff cancelled it, meanwhile
    const rows = await query<{ id: string; captured_item_id: string | null; pickup_library_id: string }>(
      em,
      `select id, captured_item_id, pickup_library_id from holds
        where id = ? and status = 'READY_FOR_PICKUP' and shelf_expires_at < now() for update skip locked`,
      [c.id],
    );
    const h = rows[0];
    if (!h) continue;
    await query(em, `update holds set status = 'EXPIRED', closed_at = now() where id = ?`, [h.id]);
    await query(
      em,
      `insert into events (type, library_ids, entity, entity_id, payload) values ('hold.expired', array[?]::bigint[], 'Hold', ?, ?::jsonb)`,
      [h.pickup_library_id, h.id, JSON.stringify({ holdId: Number(h.id) })],
    );
    await audit(system, { action: 'job:expireHolds', entity: 'Hold', entityId: Number(h.id), libraryId: Number(h.pickup_library_id), before: { status: 'READY_FOR_PICKUP' }, after: { status: 'EXPIRED' } });
    if (item && h.captured_item_id !== null && Number(h.captured_item_id) === item.id) await routeFreeItem(em, item, Number(h.pickup_library_id));
    expired++;
  }
  return expired;
}

/** Days events stay in the outbox (EVENT_RETENTION_DAYS); subscribers resume within that window. */
export const schedulerSettings = { eventRetentionDays: 90 };

/** Drops outbox events older than the retention (in batches, so one run stays short). */
async function purgeEvents(em: EntityManager): Promise<number> {
  const rows = await query<{ n: string }>(
    em,
    `with old as (delete from events where seq in (
        select seq from events where occurred_at < now() - make_interval(days => ?) order by seq limit 10000) returning 1)
     select count(*) n from old`,
    [schedulerSettings.eventRetentionDays],
  );
  return Number(rows[0].n);
}

/**
 * Sign-in sessions a day past their expiry go (with their refresh tokens: a used token of a live
 * session must stay to be recognised if it is presented again), and sign-in attempts older than the
 * 31 days that login throttling looks back on.
 */
async function purgeSessions(em: EntityManager): Promise<number> {
  const rows = await query<{ n: string }>(
    em,
    `with s as (delete from auth_sessions where id in (
        select id from auth_sessions where expires_at < now() - interval '1 day' limit 5000) returning 1),
     a as (delete from login_attempts where id in (
        select id from login_attempts where at < now() - interval '31 days' order by id limit 10000) returning 1)
     select (select count(*) from s) + (select count(*) from a) n`,
  );
  return Number(rows[0].n);
}

export const JOBS: { name: string; key: number; run: Job }[] = [
  { name: 'markOverdue', key: 1, run: markOverdue },
  { name: 'expireHolds', key: 2, run: expireHolds },
  { name: 'expirePatrons', key: 3, run: expirePatrons },
  { name: 'purgeEvents', key: 4, run: purgeEvents },
  { name: 'illTimeouts', key: 5, run: illTimeouts },
  { name: 'illOverdue', key: 6, run: illOverdue },
  { name: 'purgeSessions', key: 7, run: purgeSessions },
  ...ERESOURCE_JOBS,
];

/** Runs every job once (each under its own lock and transaction). */
export async function runJobsOnce(orm: MikroORM, logger?: Logger): Promise<JobResult[]> {
  const results: JobResult[] = [];
  for (const job of JOBS) {
    try {
      const r = await runLocked(orm.em.fork() as EntityManager, job.name, job.key, job.run);
      if (r.changed > 0) logger?.info(r, 'job done');
      results.push(r);
    } catch (err) {
      logger?.error({ err, job: job.name }, 'job failed (rolled back)');
      results.push({ job: job.name, ran: false, changed: 0 });
    }
  }
  return results;
}

/** The in-process scheduler: every interval, run the jobs; `stop()` waits for a running round. */
export function startScheduler(orm: MikroORM, logger: Logger, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = runJobsOnce(orm, logger).finally(() => (running = null));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  setTimeout(tick, Math.min(intervalMs, 2000)).unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
