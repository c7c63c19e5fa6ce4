import { Client } from 'pg';
import {
  CONNECTORS,
  DDC,
  DISTRICTS,
  ENGLISH_WORDS,
  FAMILY_NAMES,
  FEMALE_GIVEN,
  FEMALE_MIDDLE,
  FOREIGN_AUTHORS,
  FOREIGN_GIVEN,
  HEADS,
  LATIN_SYLLABLES,
  LOCATIONS,
  MALE_GIVEN,
  MALE_MIDDLE,
  PLACE_FIRST,
  PLACE_SECOND,
  PUBLISHERS,
  RARE_WORDS,
  SUBJECTS,
  SUBTITLES,
  TITLE_WORDS,
} from './words';
import { fmtInt, fmtSeconds } from './stats';

/**
 * Generates the benchmark network with set-based SQL only: every phase is INSERT … SELECT over
 * generate_series in batches, so the generated search columns, the lexicon trigger and the holdings
 * triggers of the real migration do their work exactly as they would for a bulk import.
 */

export interface GenerateOptions {
  records: number;
  libraries: number;
  /** Records per INSERT statement. */
  batch: number;
  /** Connections inserting batches side by side (the first records batch always runs alone). */
  workers: number;
  log: (line: string) => void;
}

export interface PhaseResult {
  phase: string;
  rows: number;
  seconds: number;
}

export interface GenerateResult {
  records: number;
  libraries: number;
  items: number;
  holdings: number;
  lexicon: number;
  phases: PhaseResult[];
  totalSeconds: number;
}

/** An array in which each value appears in proportion to its weight (uniform index = weighted pick). */
export function weighted<T>(pairs: readonly (readonly [T, number])[], size = 1000): T[] {
  const total = pairs.reduce((s, [, w]) => s + w, 0);
  const out: T[] = [];
  for (const [v, w] of pairs) {
    const n = Math.max(1, Math.round((w / total) * size));
    for (let i = 0; i < n; i++) out.push(v);
  }
  return out;
}

/** Copies per record, 0-8, about 3 on average. */
const COPIES = weighted<number>([
  [0, 7], [1, 17], [2, 21], [3, 21], [4, 14], [5, 9], [6, 5], [7, 3.5], [8, 2.5],
], 200);

const STATUSES = weighted<string>([
  ['AVAILABLE', 80], ['ON_LOAN', 10], ['ON_HOLD_SHELF', 1.5], ['IN_TRANSIT', 1], ['IN_PROCESSING', 2.5],
  ['MISSING', 1.5], ['DAMAGED', 1], ['WITHDRAWN', 2.5],
], 200);

/** Check digit of '978' + 9 digits, as SQL arithmetic over the 12-character text `x`. */
function isbnCheckSql(x: string): string {
  const terms: string[] = [];
  for (let i = 0; i < 12; i++) terms.push(`${i % 2 === 0 ? 1 : 3} * substr(${x}, ${i + 1}, 1)::int`);
  return `((10 - ((${terms.join(' + ')}) % 10)) % 10)`;
}

/** Index into a one-based array of n entries, skewed towards the start by the exponent `skew`. */
const zipf = (arr: string, skew: number) => `${arr}[1 + floor(cardinality(${arr}) * power(random(), ${skew}))::int]`;
const uniform = (arr: string) => `${arr}[1 + floor(cardinality(${arr}) * random())::int]`;

const PERSON = `(case when random() < 0.55
    then ${uniform('a.fam')} || ' ' || ${uniform('a.mm')} || ' ' || ${uniform('a.mg')}
    else ${uniform('a.fam')} || ' ' || ${uniform('a.fm')} || ' ' || ${uniform('a.fg')} end)`;

const person = (role: string) => `jsonb_build_object('name', ${PERSON}, 'role', '${role}')`;

/** The word arrays, bound once per statement. */
const ARRAYS_CTE = `a as (select
  $3::text[] tw, $4::text[] conn, $5::text[] heads, $6::text[] rare, $7::text[] foreign_authors, $8::text[] fam,
  $9::text[] mm, $10::text[] fm, $11::text[] mg, $12::text[] fg, $13::text[] subj, $14::text[] pubs, $15::text[] places,
  $16::text[] subtitles, $17::text[] ddc, $18::text[] eng, $19::text[] syl, $20::text[] fgiven)`;

/** An invented foreign word of two or three syllables, capitalised. */
const INVENTED = `initcap(${uniform('a.syl')} || ${uniform('a.syl')} || case when random() < 0.6 then ${uniform('a.syl')} else '' end)`;

/** The word arrays bound as $3..$20 of RECORDS_SQL. */
export function recordArrays(): unknown[] {
  return [
    TITLE_WORDS,
    CONNECTORS,
    HEADS,
    RARE_WORDS,
    FOREIGN_AUTHORS,
    weighted(FAMILY_NAMES, 2000),
    MALE_MIDDLE,
    FEMALE_MIDDLE,
    MALE_GIVEN,
    FEMALE_GIVEN,
    SUBJECTS,
    PUBLISHERS.map((p) => p[0]),
    PUBLISHERS.map((p) => p[1]),
    SUBTITLES,
    DDC,
    ENGLISH_WORDS,
    LATIN_SYLLABLES,
    FOREIGN_GIVEN,
  ];
}

/**
 * One batch of records, ids $1..$2. The innermost subquery draws the per-record random numbers once;
 * the middle one builds the texts (volatile, so PostgreSQL evaluates each column once per row).
 */
export const RECORDS_SQL = `
with ${ARRAYS_CTE}
insert into bib_records (id, title, subtitle, contributors, publisher, place, year, edition, isbns, language, subjects, ddc, format, description)
select t.g, upper(left(t.title, 1)) || substr(t.title, 2), t.subtitle, t.contributors, a.pubs[t.pub], a.places[t.pub], t.year,
       t.edition,
       case when t.has_isbn then array[t.isbn12 || ${isbnCheckSql('t.isbn12')}::text] else '{}'::text[] end,
       t.lang, t.subjects, t.ddc, t.fmt,
       case when t.r_desc < 0.15 then 'Cuốn sách giới thiệu ' || lower(t.title) || ', với nhiều tư liệu và hình ảnh minh họa.' end
from a, (
  select s.g,
    case when s.lang = 'eng' then
      ${uniform('a.eng')} || ' ' || ${uniform('a.eng')} || ' ' || ${uniform('a.eng')}
        || case when s.r3 < 0.5 then ' of ' || ${uniform('a.eng')} else '' end
        || case when s.r4 < 0.5 then ' ' || ${INVENTED} else '' end
    else
      case when s.r1 < 0.35 then ${uniform('a.heads')} || ' ' else '' end
        || ${zipf('a.tw', 2.4)} || ' ' || ${zipf('a.tw', 2.4)}
        || case when s.r3 < 0.55 then ' ' || ${zipf('a.conn', 1.5)} || ' ' || ${zipf('a.tw', 2.4)} else '' end
        || case when s.r4 < 0.2 then ' ' || ${zipf('a.tw', 2.4)} else '' end
        || case when s.r5 < 0.015 then ' ' || ${uniform('a.rare')} else '' end
    end as title,
    case when s.r6 < 0.25 then ${uniform('a.subtitles')} when s.r6 < 0.30 then 'Tập ' || (1 + floor(random() * 6))::int end as subtitle,
    case
      when s.r_kind < 0.03 then jsonb_build_array(jsonb_build_object('name', ${uniform('a.foreign_authors')}, 'role', 'author'), ${person('translator')})
      when s.r_kind < 0.06 then jsonb_build_array(jsonb_build_object('name', ${uniform('a.fgiven')} || ' ' || ${INVENTED}, 'role', 'author'), ${person('translator')})
      when s.r_kind < 0.10 then jsonb_build_array(${person('editor')}, ${person('editor')})
      when s.r_kind < 0.12 then '[]'::jsonb
      else jsonb_build_array(${person('author')})
        || case when s.r7 < 0.25 then jsonb_build_array(${person('author')}) else '[]'::jsonb end
        || case when s.r7 > 0.92 then jsonb_build_array(${person('illustrator')}) else '[]'::jsonb end
    end as contributors,
    1 + floor(cardinality(a.pubs) * power(random(), 1.6))::int as pub,
    case when s.r8 < 0.05 then 1950 + floor(random() * 25)::int else 1975 + floor(51 * power(random(), 0.5))::int end as year,
    case when s.r9 < 0.15 then 'Tái bản lần thứ ' || (2 + floor(random() * 8))::int end as edition,
    s.r_isbn < 0.8 as has_isbn,
    '978' || (604000000 + s.g)::text as isbn12,
    s.lang,
    array[${zipf('a.subj', 1.8)}]
      || case when s.r10 < 0.5 then array[${zipf('a.subj', 1.8)}] else '{}'::text[] end
      || case when s.r10 < 0.12 then array[${zipf('a.subj', 1.8)}] else '{}'::text[] end as subjects,
    ${uniform('a.ddc')} as ddc,
    case when s.r_fmt < 0.92 then 'BOOK' when s.r_fmt < 0.945 then 'SERIAL' when s.r_fmt < 0.955 then 'AUDIO'
         when s.r_fmt < 0.965 then 'VIDEO' when s.r_fmt < 0.975 then 'MAP' when s.r_fmt < 0.99 then 'DIGITAL'
         when s.r_fmt < 0.995 then 'MANUSCRIPT' else 'OTHER' end as fmt,
    s.r_desc
  from a, (
    select g, random() r1, random() r3, random() r4, random() r5, random() r6, random() r7, random() r8, random() r9,
           random() r10, random() r_kind, random() r_isbn, random() r_fmt, random() r_desc,
           (case when l < 0.90 then 'vie' when l < 0.95 then 'eng' when l < 0.965 then 'fra' when l < 0.975 then 'chi'
                 when l < 0.985 then 'rus' when l < 0.99 then 'jpn' end) as lang
      from (select g, random() l from generate_series($1::bigint, $2::bigint) g) x
  ) s
) t`;

/** The copies of records $1..$2: 0-8 each (about 3), libraries, statuses and locations by weight. */
export const ITEMS_SQL = `
insert into items (record_id, library_id, barcode, location, call_number, status, loanable, lendable)
select r.id, ($3::bigint[])[1 + floor(cardinality($3::bigint[]) * random())::int],
       'BD' || lpad((r.id * 10 + c)::text, 12, '0'),
       ($4::text[])[1 + floor(cardinality($4::text[]) * random())::int],
       r.ddc,
       ($5::text[])[1 + floor(cardinality($5::text[]) * random())::int],
       random() < 0.95, random() < 0.85
  from bib_records r
  cross join lateral generate_series(1, ($6::int[])[1 + ((hashint8(r.id)::bigint + 2147483648) % cardinality($6::int[]))::int]) c
 where r.id between $1 and $2
 order by r.id, c`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

async function sessionSetup(c: Client): Promise<void> {
  await c.query(`set synchronous_commit = off; set work_mem = '64MB'; set maintenance_work_mem = '512MB'; set jit = off`);
}

/** Runs `count` batches on `workers` connections; `first` batches run alone before the others start. */
async function runBatches(
  urls: string,
  workers: number,
  count: number,
  first: number,
  run: (c: Client, i: number) => Promise<void>,
): Promise<void> {
  const clients: Client[] = [];
  try {
    for (let w = 0; w < Math.max(1, workers); w++) {
      const c = new Client({ connectionString: urls });
      await c.connect();
      await sessionSetup(c);
      clients.push(c);
    }
    let next = 0;
    for (; next < Math.min(first, count); next++) await run(clients[0], next);
    const worker = async (c: Client) => {
      while (next < count) {
        const i = next++;
        await run(c, i);
      }
    };
    await Promise.all(clients.map(worker));
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

/** A batch that loses a deadlock (two batches adding the same new lexicon word) is simply run again. */
async function withRetry(fn: () => Promise<void>, log: (l: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if ((code === '40P01' || code === '40001') && attempt < 5) {
        log(`    (batch retried after ${code === '40P01' ? 'a deadlock' : 'a serialization failure'})`);
        continue;
      }
      throw err;
    }
  }
}

/** Generates libraries, records and items into an empty, migrated database. */
export async function generate(url: string, opts: GenerateOptions): Promise<GenerateResult> {
  const { log } = opts;
  const phases: PhaseResult[] = [];
  const tStart = performance.now();
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await sessionSetup(c);

    // ---------------------------------------------------------------- libraries
    log(`libraries: ${opts.libraries} (1 provincial, districts, communes and schools under them)`);
    const [, libSeconds] = await timed(async () => {
      const districts = opts.libraries <= 1 ? 0 : Math.max(1, Math.round((opts.libraries - 1) / 10));
      const others = Math.max(0, opts.libraries - 1 - districts);
      await c.query(`insert into libraries (code, name, kind, address, phone, email)
        values ('BN-PL', 'Thư viện tỉnh Bình Định', 'PROVINCIAL', '02 Nguyễn Huệ, Quy Nhơn, Bình Định', '0256 3822 467', 'thuvientinh@bench.invalid')`);
      await c.query(
        `insert into libraries (code, name, kind, parent_id, address, phone)
         select 'BN-D' || lpad(g::text, 2, '0'),
                'Thư viện ' || ($2::text[])[1 + (g - 1) % cardinality($2::text[])]
                  || case when g > cardinality($2::text[]) then ' ' || ((g - 1) / cardinality($2::text[]) + 1) else '' end,
                'DISTRICT', (select id from libraries where code = 'BN-PL'),
                'Trung tâm ' || ($2::text[])[1 + (g - 1) % cardinality($2::text[])], '0256 38' || lpad(g::text, 5, '0')
           from generate_series(1, $1::int) g`,
        [districts, DISTRICTS],
      );
      await c.query(
        `insert into libraries (code, name, kind, parent_id, address)
         select d.code || '-' || case when k % 4 = 0 then 'S' else 'C' end || lpad(k::text, 2, '0'),
                case when k % 4 = 0 then 'Thư viện Trường THCS ' else 'Thư viện xã ' end
                  || ($3::text[])[1 + (g * 7) % cardinality($3::text[])] || ' ' || ($4::text[])[1 + (g * 13) % cardinality($4::text[])],
                case when k % 4 = 0 then 'SCHOOL' else 'COMMUNE' end, d.id, 'Thôn ' || (1 + g % 9) || ', ' || d.name
           from generate_series(1, $1::int) g
           cross join lateral (select (g - 1) / $2::int + 1 as k, 'BN-D' || lpad((1 + (g - 1) % $2::int)::text, 2, '0') as dcode) x
           join libraries d on d.code = x.dcode`,
        [others, Math.max(1, districts), PLACE_FIRST, PLACE_SECOND],
      );
    });
    const libCount = Number((await c.query('select count(*) n from libraries')).rows[0].n);
    phases.push({ phase: 'libraries', rows: libCount, seconds: libSeconds });

    // Items go to the provincial library (20 %), the districts (40 %) and the rest (40 %).
    const libs = (await c.query<{ id: string; kind: string }>('select id, kind from libraries order by id')).rows;
    const byKind = (k: string[]) => libs.filter((l) => k.includes(l.kind)).map((l) => Number(l.id));
    const share: [number[], number][] = [
      [byKind(['PROVINCIAL']), 20],
      [byKind(['DISTRICT']), 40],
      [byKind(['COMMUNE', 'SCHOOL', 'SPECIALIZED']), 40],
    ];
    const libPairs: [number, number][] = [];
    for (const [ids, pct] of share) for (const id of ids) libPairs.push([id, pct / ids.length]);
    const libWeights = weighted(libPairs, 4000);

    // ---------------------------------------------------------------- records
    // A small first batch runs alone so the lexicon holds the common words before two connections
    // insert side by side (fewer lexicon rows added by both at once, which can deadlock).
    const seed = Math.min(opts.records, 10_000, opts.batch);
    const ranges: [number, number][] = [[1, seed]];
    for (let from = seed + 1; from <= opts.records; from += opts.batch) ranges.push([from, Math.min(opts.records, from + opts.batch - 1)]);
    log(`records: ${fmtInt(opts.records)} in ${ranges.length} statement(s) of up to ${fmtInt(opts.batch)}, ${opts.workers} connection(s)`);
    const arrays = recordArrays();
    const [, recSeconds] = await timed(() =>
      runBatches(url, opts.workers, ranges.length, 1, async (cl, i) => {
        const [from, to] = ranges[i];
        const [, s] = await timed(() => withRetry(() => cl.query(RECORDS_SQL, [from, to, ...arrays]).then(() => undefined), log));
        log(`  records ${fmtInt(from)}-${fmtInt(to)}: ${fmtSeconds(s)} (${fmtInt((to - from + 1) / s)} rows/s)  elapsed ${fmtSeconds((performance.now() - tStart) / 1000)}`);
      }),
    );
    await c.query(`select setval(pg_get_serial_sequence('bib_records', 'id'), (select max(id) from bib_records))`);
    phases.push({ phase: 'records (+ search columns, lexicon trigger)', rows: opts.records, seconds: recSeconds });

    // ---------------------------------------------------------------- items
    const itemBatches = Math.ceil(opts.records / opts.batch);
    log(`items: about 3 per record, ${itemBatches} statement(s), ${opts.workers} connection(s)`);
    let items = 0;
    const [, itemSeconds] = await timed(() =>
      runBatches(url, opts.workers, itemBatches, 0, async (cl, i) => {
        const from = i * opts.batch + 1;
        const to = Math.min(opts.records, (i + 1) * opts.batch);
        const [r, s] = await timed(() => cl.query(ITEMS_SQL, [from, to, libWeights, LOCATIONS, STATUSES, COPIES]));
        items += r.rowCount ?? 0;
        log(`  items of records ${fmtInt(from)}-${fmtInt(to)}: ${fmtInt(r.rowCount ?? 0)} rows, ${fmtSeconds(s)} (${fmtInt((r.rowCount ?? 0) / s)} rows/s)  elapsed ${fmtSeconds((performance.now() - tStart) / 1000)}`);
      }),
    );
    await c.query(`select setval(pg_get_serial_sequence('items', 'id'), greatest(1, (select max(id) from items)))`);
    phases.push({ phase: 'items (+ holdings trigger)', rows: items, seconds: itemSeconds });

    // ---------------------------------------------------------------- maintenance
    log('vacuum analyze');
    const [, vacSeconds] = await timed(() => c.query('vacuum (analyze) libraries, bib_records, items, record_holdings, search_lexicon'));
    phases.push({ phase: 'vacuum analyze', rows: 0, seconds: vacSeconds });
    log('checkpoint');
    const [, cpSeconds] = await timed(() => c.query('checkpoint'));
    phases.push({ phase: 'checkpoint', rows: 0, seconds: cpSeconds });

    const counts = (
      await c.query<{ h: string; l: string }>(`select (select count(*) from record_holdings) h, (select count(*) from search_lexicon) l`)
    ).rows[0];
    return {
      records: opts.records,
      libraries: libCount,
      items,
      holdings: Number(counts.h),
      lexicon: Number(counts.l),
      phases,
      totalSeconds: (performance.now() - tStart) / 1000,
    };
  } finally {
    await c.end().catch(() => undefined);
  }
}
