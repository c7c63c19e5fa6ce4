import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Context } from '../../server/context';
import { NotPermittedError } from '../../common/error-results';
import { badInput, forbidden, unauthenticated } from '../../common/errors';
import { Page, decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { cleanText, requireText } from '../../common/text';
import { fromRow } from '../../db/rows';
import { query } from '../../db/sql';
import { audit } from '../audit/audit.service';
import { hashPassword } from '../auth/password';
import { UnknownLibraryError } from '../catalog/catalog.types';
import { librariesService, parseLibraryCode } from '../libraries/libraries.service';
import { Library } from '../libraries/library.entity';
import { Patron, PatronStatus } from './patron.entity';
import { CreatePatronInput, DuplicateCardNumberError, PatronNotFoundError, UpdatePatronInput } from './patron.types';

const CARD = /^[A-Za-z0-9][A-Za-z0-9-]{2,31}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PIN = /^\d{4,12}$/;

export function parseCardNumber(raw: string, field = 'cardNumber'): string {
  const c = (raw ?? '').trim().toUpperCase();
  if (!CARD.test(c)) throw badInput(`${field} is not a valid card number`, field);
  return c;
}

function parseDate(raw: string | null | undefined, field: string): string | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const d = raw.trim();
  if (!DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) {
    throw badInput(`${field} must be a date yyyy-mm-dd`, field);
  }
  return d;
}

/** A date of birth: a real date, not in the future (local day of the network). */
function parseBirthDate(raw: string | null | undefined): string | null {
  const d = parseDate(raw, 'input.dateOfBirth');
  const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
  if (d !== null && (d > today || d < '1900-01-01')) throw badInput('dateOfBirth must be a past date', 'input.dateOfBirth');
  return d;
}

function parseLanguage(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const l = raw.trim().toLowerCase();
  if (l !== 'vi' && l !== 'en') throw badInput('preferredLanguage must be vi or en', 'preferredLanguage');
  return l;
}

function parseEmail(raw: string | null | undefined): string | null {
  const e = cleanText(raw, { field: 'email', max: 200 });
  if (e !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) throw badInput('email is not an e-mail address', 'email');
  return e;
}

function parsePhone(raw: string | null | undefined): string | null {
  const p = cleanText(raw, { field: 'phone', max: 30 });
  if (p !== null && !/^[0-9+() .-]{6,30}$/.test(p)) throw badInput('phone is not a telephone number', 'phone');
  return p;
}

/**
 * Staff-only work (`what`: "lend", "list patrons"...): anonymous callers must sign in
 * (UNAUTHENTICATED); signed-in patrons are refused (FORBIDDEN), since signing in again would not help.
 */
export function requireStaff(ctx: Context, what: string): void {
  if (!ctx.viewer.isAuthenticated) throw unauthenticated(`Sign in as staff to ${what}.`);
  if (!ctx.viewer.isStaff) throw forbidden(`Only library staff may ${what}.`);
}

export class PatronsService {
  /**
   * Whether the viewer may see this patron: the patron themself, staff of their home library, staff of
   * a library where they have an open loan or an active hold (not once it is returned), and network admins.
   */
  async canSee(ctx: Context, patron: Patron): Promise<boolean> {
    const v = ctx.viewer;
    if (v.isPatron) return v.patronId === patron.id;
    if (!v.isStaff) return false;
    if (v.isNetworkAdmin || v.libraryId === patron.homeLibrary.id) return true;
    const rows = await query<{ ok: boolean }>(
      ctx.em,
      `select exists (select 1 from loans where patron_id = ? and library_id = ? and returned_at is null)
           or exists (select 1 from holds where patron_id = ? and pickup_library_id = ?
                       and status in ('WAITING','IN_TRANSIT','READY_FOR_PICKUP')) ok`,
      [patron.id, v.libraryId, patron.id, v.libraryId],
    );
    return rows[0].ok;
  }

  /** A patron by card number, when the viewer may see them. */
  async byCard(ctx: Context, raw: string): Promise<Patron | null> {
    if (!ctx.viewer.isAuthenticated) throw unauthenticated();
    const card = parseCardNumber(raw);
    const p = await ctx.em.findOne(Patron, { cardNumber: card });
    return p && (await this.canSee(ctx, p)) ? p : null;
  }

  /** Patrons visible to staff, matching words of name or card number; by card number. */
  async search(ctx: Context, q: string | null | undefined, first: number | null | undefined, after: string | null | undefined): Promise<Page<Patron>> {
    const v = ctx.viewer;
    requireStaff(ctx, 'list patrons');
    const limit = pageSize(first);
    const cursor = decodeCursor('patron', after);
    const where: string[] = [];
    const params: unknown[] = [];
    if (!v.isNetworkAdmin) {
      where.push(`(p.home_library_id = ? or exists (select 1 from loans l where l.patron_id = p.id and l.library_id = ? and l.returned_at is null)
                   or exists (select 1 from holds h where h.patron_id = p.id and h.pickup_library_id = ?
                              and h.status in ('WAITING','IN_TRANSIT','READY_FOR_PICKUP')))`);
      params.push(v.libraryId, v.libraryId, v.libraryId);
    }
    const text = cleanText(q, { field: 'query', max: 200 });
    // each word is tokenised like search_text itself (sn_phrase: a card number PL-000001 is stored as
    // 'pl -000001'); sn_phrase also drops LIKE's wildcards and escapes
    for (const word of (text ?? '').split(/\s+/).filter(Boolean).slice(0, 10)) {
      where.push(`p.search_text like '%' || trim(sn_phrase(?)) || '%'`);
      params.push(word);
    }
    if (cursor) {
      if (typeof cursor[0] !== 'string') throw badInput('after is not a valid cursor', 'after');
      where.push('p.card_number > ?');
      params.push(cursor[0]);
    }
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select p.* from patrons p ${where.length ? `where ${where.join(' and ')}` : ''} order by p.card_number limit ?`,
      [...params, limit + 1],
    );
    const patrons = rows.map((r) => {
      delete r.search_text;
      return fromRow(ctx.em, Patron, r);
    });
    return toPage(patrons, limit, (p) => encodeCursor('patron', [p.cardNumber]), (p) => p);
  }

  /** Creates a patron; staff create patrons of their own library, network admins of any. */
  async create(ctx: Context, input: CreatePatronInput) {
    requireStaff(ctx, 'register patrons');
    const cardNumber = parseCardNumber(input.cardNumber, 'input.cardNumber');
    const code = parseLibraryCode(input.homeLibraryCode, 'input.homeLibraryCode');
    const lib = await librariesService.byCode(ctx, code);
    if (!lib) return new UnknownLibraryError(`No library has the code ${code}.`, code);
    if (!ctx.viewer.worksAt(lib.id)) return new NotPermittedError(`Only staff of ${code} may register its patrons.`);
    const expiresOn = parseDate(input.expiresOn, 'input.expiresOn');
    if (!expiresOn) throw badInput('expiresOn is required', 'input.expiresOn');
    if (input.pin !== null && input.pin !== undefined && !PIN.test(input.pin)) throw badInput('pin must be 4 to 12 digits', 'input.pin');
    const fields = {
      cardNumber,
      fullName: requireText(input.fullName, { field: 'input.fullName', max: 300 }),
      category: input.category,
      expiresOn,
      dateOfBirth: parseBirthDate(input.dateOfBirth),
      phone: parsePhone(input.phone),
      email: parseEmail(input.email),
      preferredLanguage: parseLanguage(input.preferredLanguage) ?? 'vi',
      pinHash: input.pin ? await hashPassword(input.pin) : null,
    };
    try {
      return await ctx.em.transactional(async (em) => {
        // the library from the loader is a read-only copy: the new row refers to it by id
        const p = em.create(Patron, { ...fields, homeLibrary: em.getReference(Library, lib.id) } as unknown as Patron);
        await em.flush();
        await audit({ em, viewer: ctx.viewer }, { action: 'createPatron', entity: 'Patron', entityId: p.id, libraryId: lib.id, after: { cardNumber, homeLibrary: code } });
        return p;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) return new DuplicateCardNumberError(cardNumber);
      throw err;
    }
  }

  /** Changes a patron (staff of the home library or network admins); blocks and unblocks too. */
  async update(ctx: Context, input: UpdatePatronInput) {
    requireStaff(ctx, 'change patrons');
    const card = parseCardNumber(input.cardNumber, 'input.cardNumber');
    const changes: Partial<Patron> = {};
    if (input.fullName !== undefined && input.fullName !== null) changes.fullName = requireText(input.fullName, { field: 'input.fullName', max: 300 });
    if (input.category) changes.category = input.category;
    if (input.expiresOn) changes.expiresOn = parseDate(input.expiresOn, 'input.expiresOn')!;
    if (input.dateOfBirth !== undefined) changes.dateOfBirth = parseBirthDate(input.dateOfBirth);
    if (input.phone !== undefined) changes.phone = parsePhone(input.phone);
    if (input.email !== undefined) changes.email = parseEmail(input.email);
    if (input.preferredLanguage) changes.preferredLanguage = parseLanguage(input.preferredLanguage)!;
    if (input.keepLoanHistory !== undefined && input.keepLoanHistory !== null) changes.keepLoanHistory = input.keepLoanHistory;
    if (input.pin !== undefined && input.pin !== null) {
      if (!PIN.test(input.pin)) throw badInput('pin must be 4 to 12 digits', 'input.pin');
      changes.pinHash = await hashPassword(input.pin);
    }
    const reason = cleanText(input.blockReason, { field: 'input.blockReason', max: 500 });
    return ctx.em.transactional(async (em) => {
      const p = await em.findOne(Patron, { cardNumber: card }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!p) return new PatronNotFoundError();
      if (!ctx.viewer.worksAt(p.homeLibrary.id)) {
        return (await this.canSee(ctx, p)) ? new NotPermittedError('Only staff of the home library may change this patron.') : new PatronNotFoundError();
      }
      const before = { status: p.status, expiresOn: p.expiresOn };
      em.assign(p, changes);
      if (input.blocked === true) {
        p.status = PatronStatus.BLOCKED;
        p.blockReason = reason ?? p.blockReason ?? 'Blocked by staff';
      } else if (input.blocked === false && p.status === PatronStatus.BLOCKED) {
        p.status = PatronStatus.ACTIVE;
        p.blockReason = null;
      }
      if (p.status === PatronStatus.EXPIRED && changes.expiresOn && changes.expiresOn >= new Date().toISOString().slice(0, 10)) {
        p.status = PatronStatus.ACTIVE;
      }
      await em.flush();
      await audit({ em, viewer: ctx.viewer }, { action: 'updatePatron', entity: 'Patron', entityId: p.id, libraryId: p.homeLibrary.id, before, after: { status: p.status, expiresOn: p.expiresOn } });
      return p;
    });
  }
}

export const patronsService = new PatronsService();
