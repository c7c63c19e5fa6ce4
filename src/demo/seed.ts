import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../db/sql';
import { upsertStaffAccount } from '../modules/auth/auth.service';
import { hashPassword } from '../modules/auth/password';
import { StaffRole } from '../modules/auth/account.entity';
import { Library } from '../modules/libraries/library.entity';
import { demoNetwork } from './network';

/** Demo accounts (also listed in the README). */
export const DEMO_PASSWORD = 'shelfnet-demo';
export const DEMO_ACCOUNTS = [
  { username: 'admin', role: StaffRole.NETWORK_ADMIN, libraryCode: null, displayName: 'Quản trị mạng lưới' },
  { username: 'librarian.bdi-pl', role: StaffRole.LIBRARIAN, libraryCode: 'BDI-PL', displayName: 'Thủ thư Thư viện tỉnh' },
  { username: 'admin.bdi-pl', role: StaffRole.LIBRARY_ADMIN, libraryCode: 'BDI-PL', displayName: 'Quản trị Thư viện tỉnh' },
  { username: 'librarian.bdi-ts', role: StaffRole.LIBRARIAN, libraryCode: 'BDI-TS', displayName: 'Thủ thư Thư viện huyện Tây Sơn' },
] as const;

/** Demo patrons who can sign in (`loginPatron`) with PIN 1234; more patrons are generated without PINs. */
export const DEMO_PIN = '1234';
export const DEMO_PATRONS = [
  { cardNumber: 'PL-000001', fullName: 'Nguyễn Văn An', homeLibraryCode: 'BDI-PL', category: 'ADULT' },
  { cardNumber: 'TS-000001', fullName: 'Trần Thị Bích Ngọc', homeLibraryCode: 'BDI-TS', category: 'STUDENT' },
  { cardNumber: 'PL-000002', fullName: 'Lê Minh Khoa', homeLibraryCode: 'BDI-PL', category: 'CHILD' },
] as const;

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương'];
const MIDDLE = ['Văn', 'Thị', 'Hữu', 'Đức', 'Minh', 'Ngọc', 'Thanh', 'Quốc', 'Thu', 'Gia'];
const GIVEN = ['An', 'Bình', 'Cường', 'Dũng', 'Hà', 'Hải', 'Hạnh', 'Hoa', 'Hùng', 'Lan', 'Long', 'Mai', 'Nam', 'Phúc', 'Quang', 'Sơn', 'Tâm', 'Thảo', 'Trang', 'Tuấn', 'Vy', 'Yến'];

/**
 * Seeds the Bình Định demo network when the database has no library yet (one process at a time:
 * an advisory lock guards the check). Set-based inserts; returns what was added, or null.
 */
export async function seedDemoNetwork(em: EntityManager): Promise<{ libraries: number; records: number; items: number; patrons: number } | null> {
  return em.transactional(async (tx) => {
    await query(tx, `select pg_advisory_xact_lock(hashtext('shelfnet:seed-demo'))`);
    const existing = await query<{ n: string }>(tx, 'select count(*) n from libraries');
    if (Number(existing[0].n) > 0) return null;
    const net = demoNetwork();

    await query(
      tx,
      `insert into libraries (code, name, kind, address, phone, email, lends_to_network, borrows_from_network, time_zone)
       select code, name, kind, address, phone, email, "lendsToNetwork", "borrowsFromNetwork", "timeZone"
         from jsonb_to_recordset(?::jsonb) as x(code text, name text, kind text, address text, phone text, email text,
              "lendsToNetwork" boolean, "borrowsFromNetwork" boolean, "timeZone" text)`,
      [JSON.stringify(net.libraries.map((l) => ({ ...l, name: l.name.normalize('NFC') })))],
    );
    await query(
      tx,
      `update libraries c set parent_id = p.id
         from jsonb_to_recordset(?::jsonb) as x(code text, "parentCode" text)
         join libraries p on p.code = x."parentCode"
        where c.code = x.code`,
      [JSON.stringify(net.libraries.filter((l) => l.parentCode).map((l) => ({ code: l.code, parentCode: l.parentCode })))],
    );

    const base = Number((await query<{ m: string }>(tx, 'select coalesce(max(id), 0) m from bib_records'))[0].m);
    await query(
      tx,
      `insert into bib_records (id, title, subtitle, contributors, publisher, place, year, edition, isbns, issn, language,
                                subjects, ddc, format, description)
       select ? + ord, normalize(j->>'title', NFC), j->>'subtitle', j->'contributors', j->>'publisher', j->>'place',
              (j->>'year')::int, j->>'edition', array(select jsonb_array_elements_text(j->'isbns')), j->>'issn', j->>'language',
              array(select jsonb_array_elements_text(j->'subjects')), j->>'ddc', j->>'format', j->>'description'
         from jsonb_array_elements(?::jsonb) with ordinality as e(j, ord)`,
      [base, JSON.stringify(net.records)],
    );
    await query(tx, `select setval(pg_get_serial_sequence('bib_records', 'id'), (select max(id) from bib_records))`);
    await query(
      tx,
      `insert into items (record_id, library_id, barcode, location, call_number, status, loanable, lendable, notes)
       select ? + x."recordIndex" + 1, l.id, x.barcode, x.location, x."callNumber", x.status, x.loanable, x.lendable, x.notes
         from jsonb_to_recordset(?::jsonb) as x("recordIndex" int, "libraryCode" text, barcode text, location text,
              "callNumber" text, status text, loanable boolean, lendable boolean, notes text)
         join libraries l on l.code = x."libraryCode"`,
      [base, JSON.stringify(net.items)],
    );

    // patrons: the sign-in demo ones, then ~10 per district library (deterministic)
    const pinHash = await hashPassword(DEMO_PIN);
    const patrons: Record<string, unknown>[] = DEMO_PATRONS.map((p) => ({ ...p, pinHash }));
    const districts = net.libraries.filter((l) => l.kind === 'DISTRICT' || l.kind === 'PROVINCIAL');
    let n = 0;
    for (const lib of districts) {
      for (let i = 0; i < 10; i++, n++) {
        patrons.push({
          cardNumber: `${lib.code.replace(/^BDI-/, '')}-${String(100 + i).padStart(6, '0')}`,
          fullName: `${FAMILY[(n * 7) % FAMILY.length]} ${MIDDLE[(n * 3) % MIDDLE.length]} ${GIVEN[(n * 5) % GIVEN.length]}`,
          homeLibraryCode: lib.code,
          category: ['ADULT', 'ADULT', 'STUDENT', 'CHILD', 'ADULT', 'STAFF'][n % 6],
          pinHash: null,
        });
      }
    }
    await query(
      tx,
      `insert into patrons (card_number, full_name, home_library_id, category, expires_on, pin_hash, phone)
       select x."cardNumber", x."fullName", l.id, x.category, (current_date + interval '2 years')::date, x."pinHash",
              '0905' || lpad((row_number() over ())::text, 6, '0')
         from jsonb_to_recordset(?::jsonb) as x("cardNumber" text, "fullName" text, "homeLibraryCode" text, category text, "pinHash" text)
         join libraries l on l.code = x."homeLibraryCode"`,
      [JSON.stringify(patrons)],
    );

    // circulation that matches the copies' statuses: loans for ON_LOAN (some overdue), a ready hold for
    // ON_HOLD_SHELF, a transit home for IN_TRANSIT
    await query(
      tx,
      `insert into loans (item_id, patron_id, library_id, checked_out_at, due_at, overdue)
       select i.id, p.id, i.library_id, now() - ((i.k % 20) + 1) * interval '1 day',
              now() + i.d * interval '1 day', i.d < 0
         from (select it.*, row_number() over (order by it.id) k,
                      case when (row_number() over (order by it.id)) % 24 = 5 then 1
                           else (row_number() over (order by it.id)) % 24 - 5 end d
                 from items it where it.status = 'ON_LOAN') i
         -- spread over all readers (at most a couple of loans each, well under the limits)
         cross join lateral (select id from patrons pa order by pa.id
                              offset ((i.k * 37) % (select count(*) from patrons)) limit 1) p`,
    );
    await query(
      tx,
      `insert into holds (record_id, patron_id, pickup_library_id, status, captured_item_id, placed_at, ready_at, shelf_expires_at)
       select i.record_id, p.id, i.library_id, 'READY_FOR_PICKUP', i.id, now() - interval '6 days', now() - interval '1 day',
              now() + ((i.k % 6) + 1) * interval '1 day'
         from (select it.*, row_number() over (order by it.id) k from items it where it.status = 'ON_HOLD_SHELF') i
         cross join lateral (select id from patrons pa
                              where not exists (select 1 from holds h where h.patron_id = pa.id and h.record_id = i.record_id)
                              order by (pa.home_library_id = i.library_id) desc, pa.id desc offset (i.k % 5) limit 1) p`,
    );
    await query(
      tx,
      `insert into transits (item_id, from_library_id, to_library_id, reason, sent_at)
       select i.id, case when i.library_id = pl.id then qn.id else pl.id end, i.library_id, 'RETURN_HOME', now() - interval '1 day'
         from items i, libraries pl, libraries qn
        where i.status = 'IN_TRANSIT' and pl.code = 'BDI-PL' and qn.code = 'BDI-QN'`,
    );

    for (const a of DEMO_ACCOUNTS) {
      const lib = a.libraryCode ? await tx.findOneOrFail(Library, { code: a.libraryCode }) : null;
      await upsertStaffAccount(tx, {
        username: a.username,
        password: DEMO_PASSWORD,
        role: a.role,
        libraryId: lib?.id ?? null,
        displayName: a.displayName,
      });
    }
    return { libraries: net.libraries.length, records: net.records.length, items: net.items.length, patrons: patrons.length };
  });
}
