import { Client } from 'pg';
import { hashPassword } from '../../src/modules/auth/password';
import { PhaseResult, weighted } from './generate';
import { fmtInt, fmtSeconds } from './stats';
import { FAMILY_NAMES, FEMALE_GIVEN, FEMALE_MIDDLE, MALE_GIVEN, MALE_MIDDLE } from './words';

/**
 * Circulation on top of the generated catalog, set-based SQL only: patrons, a loan history, open loans
 * for the copies the generator marked ON_LOAN (and hold-shelf holds and transits for the copies it put
 * on a hold shelf or in transit, so every status has what explains it), desk accounts, a generous
 * policy, and a few "my account" patrons with 20 loans and 3 holds. Item statuses are never changed
 * here. Idempotent: a `circulation` row in bench_meta records what was added; a different request
 * (or --regenerate-circulation) empties the circulation tables and adds it again.
 */

/** Password of the desk accounts `bench.desk.<library code>` (LIBRARIAN of that library). */
export const DESK_PASSWORD = 'shelfnet-bench-desk';
export const DESK_USER_PREFIX = 'bench.desk.';
/** PIN of the "my account" patrons. */
export const ME_PIN = '246810';
/** Card numbers: BP0000001... for the patrons, BM00001... for the "my account" patrons. */
export const PATRON_PREFIX = 'BP';
export const ME_PREFIX = 'BM';

/** Bumped when what this file adds changes: an older marker then means "add again". */
const VERSION = 1;
const CATEGORIES = ['ADULT', 'CHILD', 'STUDENT', 'STAFF', 'INSTITUTION'];

export interface CirculationDataOptions {
  patrons: number;
  history: number;
  mePatrons: number;
  meLoans: number;
  meHolds: number;
  /** Rows per INSERT statement of the history. */
  batch: number;
  regenerate: boolean;
  log: (line: string) => void;
}

export interface CirculationMeta {
  version: number;
  patrons: number;
  history: number;
  mePatrons: number;
  meLoans: number;
  meHolds: number;
  openLoans: number;
  shelfHolds: number;
  transits: number;
  deskAccounts: number;
  phases: PhaseResult[];
  totalSeconds: number;
  finishedAt: string;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

async function readMarker(c: Client): Promise<CirculationMeta | null> {
  await c.query('create table if not exists bench_meta (key text primary key, value jsonb not null)');
  const r = await c.query(`select value from bench_meta where key = 'circulation'`);
  return (r.rows[0]?.value as CirculationMeta) ?? null;
}

function matches(m: CirculationMeta | null, o: CirculationDataOptions): m is CirculationMeta {
  return (
    m !== null &&
    m.version === VERSION &&
    m.patrons === o.patrons &&
    m.history === o.history &&
    m.mePatrons === o.mePatrons &&
    m.meLoans === o.meLoans &&
    m.meHolds === o.meHolds
  );
}

/** The bench patrons numbered 0..n-1 (k), for joins that spread rows over them. */
const BENCH_PATRONS = `(select id, home_library_id, keep_loan_history, (row_number() over (order by id) - 1)::int k
                          from patrons where card_number like '${PATRON_PREFIX}%')`;

/**
 * Adds the circulation data unless the bench_meta marker says the same was added already.
 * Returns the marker and whether it was reused.
 */
export async function ensureCirculationData(url: string, opts: CirculationDataOptions): Promise<{ meta: CirculationMeta; reused: boolean }> {
  const { log } = opts;
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const marker = await readMarker(c);
    if (!opts.regenerate && matches(marker, opts)) return { meta: marker, reused: true };
    await c.query(`set synchronous_commit = off; set work_mem = '64MB'; set maintenance_work_mem = '512MB'; set jit = off`);
    const tStart = performance.now();
    const phases: PhaseResult[] = [];
    const phase = async (name: string, fn: () => Promise<number>) => {
      const [rows, seconds] = await timed(fn);
      phases.push({ phase: name, rows, seconds });
      log(`  ${name}: ${rows ? `${fmtInt(rows)} rows, ` : ''}${fmtSeconds(seconds)}  elapsed ${fmtSeconds((performance.now() - tStart) / 1000)}`);
      return rows;
    };

    log(marker ? 'circulation data: emptying the earlier circulation data (different request, or --regenerate-circulation)' : 'circulation data: adding');
    await phase('empty circulation tables', async () => {
      await c.query(`delete from bench_meta where key = 'circulation'`);
      // TRUNCATE fires no row triggers: the audit log's immutability trigger guards UPDATE and DELETE only
      await c.query('truncate audit_log, events, transits, holds, loans, patrons restart identity cascade');
      await c.query(`delete from circulation_policies where library_id is null and format is null and patron_category is not null`);
      return 0;
    });

    const libs = (await c.query<{ id: string; kind: string; code: string }>('select id, kind, code from libraries order by id')).rows;
    const byKind = (k: string[]) => libs.filter((l) => k.includes(l.kind)).map((l) => Number(l.id));
    // patrons register where the collections are: the provincial library, then the districts
    const pairs: [number, number][] = [];
    for (const [ids, pct] of [
      [byKind(['PROVINCIAL']), 15],
      [byKind(['DISTRICT']), 45],
      [byKind(['COMMUNE', 'SCHOOL', 'SPECIALIZED']), 40],
    ] as [number[], number][]) {
      for (const id of ids) pairs.push([id, pct / ids.length]);
    }
    const libWeights = weighted(pairs, 4000);
    const deskLibs = libs.filter((l) => l.kind === 'PROVINCIAL' || l.kind === 'DISTRICT');
    if (deskLibs.length === 0) deskLibs.push(libs[0]);

    // ---------------------------------------------------------------- patrons
    const pinHash = await hashPassword(ME_PIN);
    await phase('patrons', async () => {
      const r = await c.query(
        `insert into patrons (card_number, full_name, home_library_id, category, expires_on, date_of_birth, phone, email,
                              preferred_language, keep_loan_history, created_at, updated_at)
         select '${PATRON_PREFIX}' || lpad(s.g::text, 7, '0'),
                case when s.male then ($2::text[])[1 + floor(random() * cardinality($2::text[]))::int] || ' '
                        || ($3::text[])[1 + floor(random() * cardinality($3::text[]))::int] || ' '
                        || ($5::text[])[1 + floor(random() * cardinality($5::text[]))::int]
                     else ($2::text[])[1 + floor(random() * cardinality($2::text[]))::int] || ' '
                        || ($4::text[])[1 + floor(random() * cardinality($4::text[]))::int] || ' '
                        || ($6::text[])[1 + floor(random() * cardinality($6::text[]))::int] end,
                ($7::bigint[])[1 + floor(random() * cardinality($7::bigint[]))::int],
                s.cat,
                current_date + (30 + floor(random() * 1065))::int,
                case s.cat when 'CHILD' then current_date - (6 * 365 + floor(random() * 8 * 365))::int
                           when 'STUDENT' then current_date - (15 * 365 + floor(random() * 9 * 365))::int
                           when 'INSTITUTION' then null
                           else current_date - (25 * 365 + floor(random() * 45 * 365))::int end,
                '09' || lpad(floor(random() * 100000000)::bigint::text, 8, '0'),
                case when random() < 0.3 then lower('${PATRON_PREFIX}' || s.g) || '@bench.invalid' end,
                case when random() < 0.95 then 'vi' else 'en' end,
                random() < 0.9,
                s.created, s.created
           from (select g, random() < 0.5 male, now() - random() * interval '1800 days' created,
                        case when r < 0.55 then 'ADULT' when r < 0.80 then 'STUDENT' when r < 0.92 then 'CHILD'
                             when r < 0.97 then 'STAFF' else 'INSTITUTION' end cat
                   from (select g, random() r from generate_series(1, $1::int) g) x) s`,
        [
          opts.patrons,
          weighted(FAMILY_NAMES, 2000),
          MALE_MIDDLE,
          FEMALE_MIDDLE,
          MALE_GIVEN,
          FEMALE_GIVEN,
          libWeights,
        ],
      );
      // the "my account" patrons, with a PIN, at the desk libraries in turn
      const m = await c.query(
        `insert into patrons (card_number, full_name, home_library_id, category, expires_on, phone, pin_hash)
         select '${ME_PREFIX}' || lpad(g::text, 5, '0'), 'Bạn đọc ' || g, ($2::bigint[])[1 + (g - 1) % cardinality($2::bigint[])],
                'ADULT', current_date + 730, '0905' || lpad(g::text, 6, '0'), $3
           from generate_series(1, $1::int) g`,
        [opts.mePatrons, deskLibs.map((l) => Number(l.id)), pinHash],
      );
      return (r.rowCount ?? 0) + (m.rowCount ?? 0);
    });

    // ---------------------------------------------------------------- policy, accounts
    await phase('network policy per category (max 1000 loans)', async () => {
      const r = await c.query(
        `insert into circulation_policies (library_id, patron_category, format, loan_days, max_renewals, max_loans, max_holds,
                                           hold_shelf_days, holds_allowed, fine_per_day, renew_overdue_max_days)
         select null, cat, null, 14, 2, 1000, 100, 7, true, 0, 30 from unnest($1::text[]) cat`,
        [CATEGORIES],
      );
      return r.rowCount ?? 0;
    });
    const deskHash = await hashPassword(DESK_PASSWORD);
    const deskAccounts = await phase('desk accounts (LIBRARIAN of each provincial and district library)', async () => {
      const r = await c.query(
        `insert into accounts (username, password_hash, display_name, role, library_id)
         select '${DESK_USER_PREFIX}' || lower(l.code), $2, 'Bàn mượn trả ' || l.name, 'LIBRARIAN', l.id
           from libraries l where l.id = any($1::bigint[])
         on conflict (username) do update
           set password_hash = excluded.password_hash, role = 'LIBRARIAN', library_id = excluded.library_id, active = true, updated_at = now()`,
        [deskLibs.map((l) => Number(l.id)), deskHash],
      );
      return r.rowCount ?? 0;
    });

    // ---------------------------------------------------------------- open loans
    // The "my account" patrons take copies the generator marked ON_LOAN (spread by a hash of their id),
    // due from 3 days ago to 16 days ahead.
    await phase(`"my account" loans (${opts.meLoans} each)`, async () => {
      const r = await c.query(
        `insert into loans (item_id, patron_id, library_id, checked_out_at, due_at, overdue)
         select ci.id, me.id, ci.library_id, d.due - interval '14 days', d.due, d.due < now()
           from (select id, (row_number() over (order by id) - 1)::int k from patrons where card_number like '${ME_PREFIX}%') me
           join (select i.id, i.library_id, (row_number() over (order by hashint8(i.id)) - 1)::int n
                   from items i
                  where i.status = 'ON_LOAN' and i.loanable
                    and not exists (select 1 from loans l where l.item_id = i.id and l.returned_at is null)
                  order by hashint8(i.id) limit $1::int * $2::int) ci on ci.n / $2::int = me.k
           cross join lateral (select date_trunc('day', now()) + ((ci.n % $2::int) - 3) * interval '1 day' + interval '16 hours' due) d`,
        [opts.mePatrons, opts.meLoans],
      );
      if ((r.rowCount ?? 0) !== opts.mePatrons * opts.meLoans) {
        throw new Error(`only ${r.rowCount} copies on loan for the "my account" patrons (need ${opts.mePatrons * opts.meLoans}): generate more records`);
      }
      return r.rowCount ?? 0;
    });
    const openLoans = await phase('open loans for the other ON_LOAN copies', async () => {
      const r = await c.query(
        `insert into loans (item_id, patron_id, library_id, checked_out_at, due_at, renewals, overdue)
         select i.id, p.id, i.library_id, i.due - interval '14 days' * (1 + i.ren), i.due, i.ren, i.due < now()
           from (select it.id, it.library_id, now() + (random() * 28 - 8) * interval '1 day' due,
                        case when random() < 0.85 then 0 else 1 end ren, (((it.id * 7919) % $1::int))::int k
                   from items it
                  where it.status = 'ON_LOAN'
                    and not exists (select 1 from loans l where l.item_id = it.id and l.returned_at is null)) i
           join ${BENCH_PATRONS} p on p.k = i.k`,
        [opts.patrons],
      );
      return r.rowCount ?? 0;
    });

    // ---------------------------------------------------------------- hold shelf, transits, holds
    // Copies of one record have neighbouring ids: id * 7919 mod n (7919 is prime) never gives two of
    // them the same patron, so the one-active-hold-per-patron-and-title index holds.
    const shelfHolds = await phase('hold-shelf holds for the ON_HOLD_SHELF copies', async () => {
      const r = await c.query(
        `insert into holds (record_id, patron_id, pickup_library_id, status, captured_item_id, placed_at, ready_at, shelf_expires_at)
         select i.record_id, p.id, i.library_id, 'READY_FOR_PICKUP', i.id, i.ready - interval '5 days', i.ready,
                date_trunc('day', i.ready) + interval '7 days 16 hours 59 minutes'
           from (select it.id, it.record_id, it.library_id, now() - random() * interval '6 days' ready, ((it.id * 7919 + 13) % $1::int)::int k
                   from items it
                  where it.status = 'ON_HOLD_SHELF'
                    and not exists (select 1 from holds h where h.captured_item_id = it.id and h.status in ('IN_TRANSIT', 'READY_FOR_PICKUP'))) i
           join ${BENCH_PATRONS} p on p.k = i.k`,
        [opts.patrons],
      );
      return r.rowCount ?? 0;
    });
    const transits = await phase('transits home for the IN_TRANSIT copies', async () => {
      const r = await c.query(
        `insert into transits (item_id, from_library_id, to_library_id, reason, sent_at)
         select i.id, f.id, i.library_id, 'RETURN_HOME', now() - random() * interval '3 days'
           from items i join libraries l on l.id = i.library_id
           cross join lateral (select coalesce(l.parent_id, (select min(o.id) from libraries o where o.id <> l.id)) id) f
          where i.status = 'IN_TRANSIT' and f.id is not null
            and not exists (select 1 from transits t where t.item_id = i.id and t.received_at is null)`,
      );
      return r.rowCount ?? 0;
    });
    await phase(`"my account" holds (${opts.meHolds} each, titles with no copy on the shelf)`, async () => {
      // titles whose every copy is out: a hold there is what a reader would place; a few more titles
      // than holds per patron, shared in a sliding window, so queue positions differ
      const titles = (
        await c.query<{ record_id: string }>(
          `select record_id from (
             select i.record_id from items i
              where i.record_id in (select record_id from items where status = 'ON_LOAN' and loanable order by hashint8(id) limit 20000)
              group by i.record_id having bool_and(i.status = 'ON_LOAN')
           ) x
           where not exists (select 1 from holds h where h.record_id = x.record_id)
             -- not a title the patrons already have on loan (a hold would be refused)
             and not exists (select 1 from loans l join items li on li.id = l.item_id join patrons lp on lp.id = l.patron_id
                              where li.record_id = x.record_id and l.returned_at is null and lp.card_number like '${ME_PREFIX}%')
           order by hashint8(x.record_id) limit $1::int`,
          [opts.meHolds + 3],
        )
      ).rows.map((r) => Number(r.record_id));
      if (titles.length < opts.meHolds) throw new Error('not enough titles with every copy on loan for the "my account" holds');
      const r = await c.query(
        `insert into holds (record_id, patron_id, pickup_library_id, status, placed_at)
         select ($1::bigint[])[1 + (me.k + j) % cardinality($1::bigint[])], me.id, me.home_library_id, 'WAITING',
                now() - interval '10 days' + (me.k * 10 + j) * interval '1 hour'
           from (select id, home_library_id, (row_number() over (order by id) - 1)::int k from patrons where card_number like '${ME_PREFIX}%') me
           cross join generate_series(0, $2::int - 1) j
          order by me.k, j`,
        [titles, opts.meHolds],
      );
      return r.rowCount ?? 0;
    });

    // ---------------------------------------------------------------- history
    const maxItem = Number((await c.query<{ m: string }>('select coalesce(max(id), 0) m from items')).rows[0].m);
    await phase('loan history (returned loans)', async () => {
      let done = 0;
      // random item ids may fall into gaps of the id sequence: top up until the count is reached
      for (let round = 0; done < opts.history && round < 1000; round++) {
        const n = Math.min(opts.batch, opts.history - done);
        const r = await c.query(
          `insert into loans (item_id, patron_id, library_id, checked_out_at, due_at, renewals, returned_at, checkin_library_id,
                              overdue, overdue_days, fine_vnd, anonymised)
           select i.id, case when p.keep_loan_history then p.id end, i.library_id, s.co, s.co + s.period, s.ren, s.co + s.held,
                  case when s.rl < 0.9 then i.library_id else p.home_library_id end,
                  s.held > s.period, greatest(0, extract(day from s.held - s.period)::int), 0, not p.keep_loan_history
             from (select g, 1 + floor(random() * $2::bigint)::bigint iid, floor(random() * $3::int)::int k,
                          now() - interval '45 days' - random() * interval '700 days' co, x.ren,
                          interval '14 days' * (1 + x.ren) period,
                          interval '1 hour' + random() * (interval '14 days' * (1 + x.ren) + interval '10 days') held, random() rl
                     from generate_series(1, $1::int) g
                     cross join lateral (select case when random() < 0.8 then 0 when random() < 0.6 then 1 else 2 end + g * 0 ren) x) s
             join items i on i.id = s.iid
             join ${BENCH_PATRONS} p on p.k = s.k`,
          [n, maxItem, opts.patrons],
        );
        done += r.rowCount ?? 0;
        if ((r.rowCount ?? 0) === 0) throw new Error('no history loan could be added (no items?)');
      }
      return done;
    });

    await phase('vacuum analyze', async () => {
      await c.query('vacuum (analyze) patrons, loans, holds, transits, accounts, circulation_policies');
      return 0;
    });
    await phase('checkpoint', async () => {
      await c.query('checkpoint');
      return 0;
    });

    const meta: CirculationMeta = {
      version: VERSION,
      patrons: opts.patrons,
      history: opts.history,
      mePatrons: opts.mePatrons,
      meLoans: opts.meLoans,
      meHolds: opts.meHolds,
      openLoans,
      shelfHolds,
      transits,
      deskAccounts,
      phases,
      totalSeconds: (performance.now() - tStart) / 1000,
      finishedAt: new Date().toISOString(),
    };
    await c.query(`insert into bench_meta (key, value) values ('circulation', $1) on conflict (key) do update set value = excluded.value`, [
      JSON.stringify(meta),
    ]);
    return { meta, reused: false };
  } finally {
    await c.end().catch(() => undefined);
  }
}
