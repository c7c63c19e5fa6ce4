import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../db/sql';
import { upsertStaffAccount } from '../modules/auth/auth.service';
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

/**
 * Seeds the Bình Định demo network when the database has no library yet (one process at a time:
 * an advisory lock guards the check). Set-based inserts; returns what was added, or null.
 */
export async function seedDemoNetwork(em: EntityManager): Promise<{ libraries: number; records: number; items: number } | null> {
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
    return { libraries: net.libraries.length, records: net.records.length, items: net.items.length };
  });
}
