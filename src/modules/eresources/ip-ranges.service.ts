import { NotPermittedError } from '../../common/error-results';
import { badInput } from '../../common/errors';
import { pgArray, query } from '../../db/sql';
import type { Context } from '../../server/context';
import { audit } from '../audit/audit.service';
import { StaffRole } from '../auth/account.entity';
import { UnknownLibraryError } from '../catalog/catalog.types';
import { emitEvent } from '../events/outbox';
import { librariesService } from '../libraries/libraries.service';
import { Library } from '../libraries/library.entity';

const CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]{2,39})(?:\/\d{1,3})?$/;

export const ipRangesService = {
  /** The library's on-site ranges (its staff and network admins only). */
  async list(ctx: Context, lib: Library): Promise<string[] | null> {
    if (!(ctx.viewer.isStaff && ctx.viewer.worksAt(lib.id))) return null;
    const rows = await query<{ range: string }>(ctx.em, 'select range::text from library_ip_ranges where library_id = ? order by range', [lib.id]);
    return rows.map((r) => r.range);
  },

  /** Replaces a library's on-site ranges (its library admins, network admins). */
  async set(ctx: Context, code: string, ranges: string[]): Promise<Library | UnknownLibraryError | NotPermittedError> {
    if (!Array.isArray(ranges) || ranges.length > 100) throw badInput('at most 100 ranges', 'ranges');
    const clean = ranges.map((r) => {
      const v = (r ?? '').trim();
      if (!CIDR.test(v)) throw badInput(`${r} is not an IP range in CIDR notation`, 'ranges');
      return v;
    });
    const lib = await librariesService.byCode(ctx, code);
    if (!lib) return new UnknownLibraryError(`No library has the code ${code}.`, code);
    const v = ctx.viewer;
    if (!(v.isNetworkAdmin || (v.role === StaffRole.LIBRARY_ADMIN && v.libraryId === lib.id))) {
      return new NotPermittedError(`Only admins of ${lib.code} or network admins set its IP ranges.`);
    }
    return ctx.em.transactional(async (em) => {
      const before = await query<{ range: string }>(em, 'select range::text from library_ip_ranges where library_id = ?', [lib.id]);
      await query(em, 'delete from library_ip_ranges where library_id = ?', [lib.id]);
      try {
        // PostgreSQL parses the ranges (cidr refuses host bits: "10.0.0.1/8" must be written 10.0.0.0/8)
        await query(em, `insert into library_ip_ranges (library_id, range) select distinct ?::bigint, x::cidr from unnest(?::text[]) x`, [
          lib.id,
          pgArray(em, clean, 'text'),
        ]);
      } catch (err) {
        if ((err as { code?: string }).code === '22P02') throw badInput('a range is not valid CIDR (no host bits after the prefix)', 'ranges');
        throw err;
      }
      const after = await query<{ range: string }>(em, 'select range::text from library_ip_ranges where library_id = ? order by range', [lib.id]);
      await audit({ em, viewer: v }, { action: 'eresource.ipRanges.set', entity: 'Library', entityId: lib.id, libraryId: lib.id, before: before.map((r) => r.range), after: after.map((r) => r.range) });
      await emitEvent(em, { type: 'library.ipRanges.changed', libraryIds: [lib.id], entity: 'Library', entityId: lib.id, payload: { ranges: after.map((r) => r.range) } });
      return lib;
    });
  },
};
