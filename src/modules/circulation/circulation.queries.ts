import type { Context } from '../../server/context';
import { badInput, forbidden } from '../../common/errors';
import { Page, decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { fromRow } from '../../db/rows';
import { query } from '../../db/sql';
import { librariesService } from '../libraries/libraries.service';
import { Patron } from '../patrons/patron.entity';
import { patronsService, requireStaff } from '../patrons/patrons.service';
import { LoanFilter, LoanStatus, TransitDirection } from './circulation.types';
import { Hold } from './hold.entity';
import { Loan } from './loan.entity';
import { Transit } from './transit.entity';
import { LIBRARY_JSON, primeLibrary } from '../catalog/catalog.loaders';

/** Read side of circulation: desk lists and the patron's own account. */
export class CirculationQueries {
  /**
   * A patron, if the viewer may see them. `viaLibraryId`: the library of the loan or hold that led
   * here; its staff see the patron without another query.
   */
  async visiblePatron(ctx: Context, patronId: number, viaLibraryId?: number): Promise<Patron | null> {
    const v = ctx.viewer;
    if (v.isPatron) return v.patronId === patronId ? ctx.loaders.patronById.load(patronId) : null;
    if (!v.isStaff) return null;
    const p = await ctx.loaders.patronById.load(patronId);
    if (!p) return null;
    if (viaLibraryId !== undefined && v.worksAt(viaLibraryId)) return p;
    return (await patronsService.canSee(ctx, p)) ? p : null;
  }

  private async staffLibrary(ctx: Context, code: string) {
    requireStaff(ctx, 'see desk lists');
    const [lib] = await librariesService.requireCodes(ctx, [code], 'libraryCode');
    // the input is well-formed; the viewer just may not see this desk
    if (!ctx.viewer.worksAt(lib.id)) throw forbidden(`Only staff of ${lib.code} see its desk lists.`);
    return lib;
  }

  /** Loans lent by a library, by due date (keyset). */
  async libraryLoans(ctx: Context, filter: LoanFilter, first: number | null | undefined, after: string | null | undefined): Promise<Page<Loan>> {
    const lib = await this.staffLibrary(ctx, filter.libraryCode);
    const limit = pageSize(first);
    const cursor = decodeCursor('loan', after);
    const where = ['l.library_id = ?', 'l.returned_at is null'];
    const params: unknown[] = [lib.id];
    if (filter.overdue === true) where.push('l.due_at < now()');
    if (filter.overdue === false) where.push('l.due_at >= now()');
    if (filter.dueBefore) {
      if (Number.isNaN(filter.dueBefore.getTime())) throw badInput('dueBefore is not a time', 'filter.dueBefore');
      where.push('l.due_at < ?');
      params.push(filter.dueBefore);
    }
    if (cursor) {
      if (typeof cursor[0] !== 'string' || !Number.isSafeInteger(cursor[1]) || Number.isNaN(Date.parse(cursor[0]))) {
        throw badInput('after is not a valid cursor', 'after');
      }
      where.push('(l.due_at, l.id) > (?::timestamptz, ?)');
      params.push(cursor[0], cursor[1]);
    }
    // the cursor keeps due_at to the microsecond: a JS Date (milliseconds) would repeat rows across pages
    const rows = await query<Record<string, unknown> & { due_key: string }>(
      ctx.em,
      `select l.*, to_char(l.due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') due_key
         from loans l where ${where.join(' and ')} order by l.due_at, l.id limit ?`,
      [...params, limit + 1],
    );
    const loans = rows.map((r) => {
      const { due_key: key, ...row } = r;
      return { key, loan: fromRow(ctx.em, Loan, row) };
    });
    return toPage(loans, limit, (l) => encodeCursor('loan', [l.key, l.loan.id]), (l) => l.loan);
  }

  async holdQueue(ctx: Context, recordId: number): Promise<Hold[]> {
    const rows = await query<Record<string, unknown>>(ctx.em, `select * from holds where record_id = ? and status = 'WAITING' order by id limit 500`, [recordId]);
    return rows.map((r) => fromRow(ctx.em, Hold, r));
  }

  async holdShelf(ctx: Context, code: string): Promise<Hold[]> {
    const lib = await this.staffLibrary(ctx, code);
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select * from holds where pickup_library_id = ? and status = 'READY_FOR_PICKUP' order by shelf_expires_at, id limit 1000`,
      [lib.id],
    );
    return rows.map((r) => fromRow(ctx.em, Hold, r));
  }

  async transits(ctx: Context, code: string, direction: TransitDirection, limit: number): Promise<Transit[]> {
    const lib = await this.staffLibrary(ctx, code);
    const col = direction === TransitDirection.INCOMING ? 'to_library_id' : 'from_library_id';
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select * from transits where ${col} = ? and received_at is null order by id limit ?`,
      [lib.id, limit],
    );
    return rows.map((r) => fromRow(ctx.em, Transit, r));
  }

  private patronId(ctx: Context): number | null {
    return ctx.viewer.isPatron ? ctx.viewer.patronId : null;
  }

  /** The signed-in patron's open loans (optionally only ACTIVE or OVERDUE), by due date. */
  async myLoans(ctx: Context, status: LoanStatus | null): Promise<Loan[]> {
    const id = this.patronId(ctx);
    if (id === null) return [];
    if (status === LoanStatus.RETURNED) throw badInput('returned loans are in loanHistory', 'status');
    const cond = status === LoanStatus.OVERDUE ? 'and due_at < now()' : status === LoanStatus.ACTIVE ? 'and due_at >= now()' : '';
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select * from loans where patron_id = ? and returned_at is null ${cond} order by due_at, id limit 1000`,
      [id],
    );
    return rows.map((r) => fromRow(ctx.em, Loan, r));
  }

  async myHolds(ctx: Context): Promise<Hold[]> {
    const id = this.patronId(ctx);
    if (id === null) return [];
    // with the pickup library, which "my holds" shows: no statement of its own
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select h.*, ${LIBRARY_JSON} lib from holds h join libraries l on l.id = h.pickup_library_id
        where h.patron_id = ? and h.status in ('WAITING','IN_TRANSIT','READY_FOR_PICKUP') order by h.id limit 1000`,
      [id],
    );
    return rows.map((r) => {
      primeLibrary(ctx.em, ctx.loaders.libraryById, r);
      return fromRow(ctx.em, Hold, r);
    });
  }

  /** Returned loans, newest first (anonymised ones are gone from it). */
  async myLoanHistory(ctx: Context, first: number | null | undefined, after: string | null | undefined): Promise<Page<Loan>> {
    const id = this.patronId(ctx);
    const limit = pageSize(first);
    const cursor = decodeCursor('history', after);
    if (id === null) return toPage<Loan, Loan>([], limit, () => '', (l) => l);
    const params: unknown[] = [id];
    let keyset = '';
    if (cursor) {
      if (!Number.isSafeInteger(cursor[0])) throw badInput('after is not a valid cursor', 'after');
      keyset = 'and id < ?';
      params.push(cursor[0]);
    }
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select * from loans where patron_id = ? and returned_at is not null ${keyset} order by id desc limit ?`,
      [...params, limit + 1],
    );
    return toPage(rows.map((r) => fromRow(ctx.em, Loan, r)), limit, (l) => encodeCursor('history', [l.id]), (l) => l);
  }

  /** Fines recorded at return, in VND (payments are not tracked yet). */
  async myFinesOwed(ctx: Context): Promise<number> {
    const id = this.patronId(ctx);
    if (id === null) return 0;
    const rows = await query<{ n: string | null }>(ctx.em, 'select coalesce(sum(fine_vnd), 0) n from loans where patron_id = ?', [id]);
    return Number(rows[0].n);
  }
}

export const circulationQueries = new CirculationQueries();
