import type { Context } from '../../server/context';
import { badInput } from '../../common/errors';
import { Page, decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { cleanText } from '../../common/text';
import { pgArray, query } from '../../db/sql';
import { Library, LibraryKind } from './library.entity';

export interface LibraryListFilter {
  kinds?: LibraryKind[] | null;
  parentCode?: string | null;
  query?: string | null;
}

const CODE = /^[A-Z0-9][A-Z0-9-]{0,31}$/;

/** Validates a library code given by a client (unknown codes are the caller's business). */
export function parseLibraryCode(code: string, field = 'code'): string {
  const c = (code ?? '').trim().toUpperCase();
  if (!CODE.test(c)) throw badInput(`${field} is not a valid library code`, field);
  return c;
}

/** Escapes LIKE wildcards so user text matches literally. */
function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}

export class LibrariesService {
  /** A library by code, or null. */
  async byCode(ctx: Context, code: string): Promise<Library | null> {
    return ctx.loaders.libraryByCode.load(parseLibraryCode(code));
  }

  /** Resolves codes to libraries; throws BAD_USER_INPUT naming the first unknown code. */
  async requireCodes(ctx: Context, codes: string[], field: string): Promise<Library[]> {
    const parsed = codes.map((c) => parseLibraryCode(c, field));
    const libs = await ctx.loaders.libraryByCode.loadMany(parsed);
    return libs.map((l, i) => {
      if (!l || l instanceof Error) throw badInput(`unknown library code ${parsed[i]}`, field);
      return l;
    });
  }

  /** Lists libraries ordered by code, keyset-paged. */
  async list(
    ctx: Context,
    filter: LibraryListFilter,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<Page<Library> & { readonly totalCount: Promise<number> }> {
    const limit = pageSize(first);
    const cursor = decodeCursor('lib', after);
    if (cursor && typeof cursor[0] !== 'string') throw badInput('after is not a valid cursor', 'after');
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.kinds?.length) {
      where.push('l.kind = any(?)');
      params.push(pgArray(ctx.em, filter.kinds, 'text'));
    }
    if (filter.parentCode) {
      const parent = await this.byCode(ctx, filter.parentCode);
      if (!parent) throw badInput(`unknown library code ${filter.parentCode}`, 'parentCode');
      where.push('l.parent_id = ?');
      params.push(parent.id);
    }
    const q = cleanText(filter.query, { field: 'query', max: 200 });
    for (const word of (q ?? '').split(/\s+/).filter(Boolean).slice(0, 10)) {
      // folded in SQL so the rules of the stored column apply
      where.push(`l.search_text like '%' || sn_fold(?) || '%'`);
      params.push(likeEscape(word));
    }
    const base = where.length ? `where ${where.join(' and ')}` : '';
    const pageWhere = [...where];
    const pageParams = [...params];
    if (cursor) {
      pageWhere.push('l.code > ?');
      pageParams.push(cursor[0]);
    }
    const rows = await query<{ id: string }>(
      ctx.em,
      `select l.id from libraries l ${pageWhere.length ? `where ${pageWhere.join(' and ')}` : ''} order by l.code limit ?`,
      [...pageParams, limit + 1],
    );
    const libs = await ctx.loaders.libraryById.loadMany(rows.map((r) => Number(r.id)));
    const list = libs.filter((l): l is Library => !!l && !(l instanceof Error));
    let total: Promise<number> | null = null;
    const page = toPage(list, limit, (l) => encodeCursor('lib', [l.code]), (l) => l);
    return {
      ...page,
      // counted only when a client asks for it
      get totalCount() {
        return (total ??= query<{ n: string }>(ctx.em, `select count(*) n from libraries l ${base}`, params).then((r) =>
          Number(r[0].n),
        ));
      },
    };
  }
}

export const librariesService = new LibrariesService();
