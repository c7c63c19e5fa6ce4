import type { Context } from '../../server/context';
import { NotPermittedError } from '../../common/error-results';
import { badInput, forbidden, unauthenticated } from '../../common/errors';
import { decodeIdOf, toGlobalId } from '../../common/ids';
import { Page, decodeCursor, pageSize, toPage } from '../../common/pagination';
import { cleanText, requireText } from '../../common/text';
import { pgArray, query } from '../../db/sql';
import { InvalidIsbnError, RecordNotFoundError, UnknownLibraryError } from '../catalog/catalog.types';
import { catalogService } from '../catalog/catalog.service';
import { normalizeIsbn } from '../catalog/isbn';
import { librariesService, parseLibraryCode } from '../libraries/libraries.service';
import { Library } from '../libraries/library.entity';
import { PatronStatus } from '../patrons/patron.entity';
import { StaffRole } from '../auth/account.entity';
import { audit } from '../audit/audit.service';
import { PatronBlockedError, PatronExpiredError, PatronNotFoundError } from '../patrons/patron.types';
import { parseCardNumber, requireStaff } from '../patrons/patrons.service';
import { IllCitation, IllRequest, IllServiceType } from './ill-request.entity';
import { REQUEST_COLUMNS, mapRequest, requestColumns, roleOf, wasAsked } from './ill.core';
import { BORROWER_ATTENTION, IllState, LENDER_ATTENTION } from './ill.state-machine';
import {
  CreateIllRequestInput,
  DuplicateIllRequestError,
  IllCitationInput,
  IllRequestFilter,
  IllSide,
  LibraryNotSharingError,
  NoLenderAvailableError,
} from './ill.types';
import { MAX_ROTA, RotaCandidate, buildRota, chosenRota } from './rota';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseNeededBy(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  const d = raw.trim();
  if (!DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) {
    throw badInput('neededBy must be a date yyyy-mm-dd', 'input.neededBy');
  }
  const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
  if (d < today) throw badInput('neededBy is in the past', 'input.neededBy');
  return d;
}

/** The citation as given, cleaned (NFC, no control characters, bounded lengths); null ISBN when none. */
function parseCitation(c: IllCitationInput): IllCitation | InvalidIsbnError {
  const f = (v: string | null | undefined, name: string, max = 500) => cleanText(v, { field: `input.citation.${name}`, max }) ?? undefined;
  const out: IllCitation = { title: requireText(c.title, { field: 'input.citation.title', max: 1000 }) };
  out.author = f(c.author, 'author');
  out.publisher = f(c.publisher, 'publisher');
  out.edition = f(c.edition, 'edition', 100);
  out.articleTitle = f(c.articleTitle, 'articleTitle', 1000);
  out.pages = f(c.pages, 'pages', 50);
  out.volume = f(c.volume, 'volume', 50);
  if (c.year !== null && c.year !== undefined) {
    if (!Number.isInteger(c.year) || c.year < 0 || c.year > 2100) throw badInput('citation year must be between 0 and 2100', 'input.citation.year');
    out.year = c.year;
  }
  if (c.isbn) {
    const isbn = normalizeIsbn(c.isbn);
    if (!isbn) return new InvalidIsbnError(`${c.isbn} is not a valid ISBN.`, c.isbn.slice(0, 40));
    out.isbn = isbn;
  }
  for (const k of Object.keys(out) as (keyof IllCitation)[]) if (out[k] === undefined) delete out[k];
  return out;
}

export class IllRequestsService {
  /**
   * Creates a request and sends it to the first lender of its rota (built from the union catalog,
   * or the lenders named). Staff ask for a reader of theirs or for their library; a signed-in patron
   * asks for themself at their home library.
   */
  async create(ctx: Context, input: CreateIllRequestInput) {
    const v = ctx.viewer;
    if (!v.isAuthenticated) throw unauthenticated('Sign in to request from another library.');
    if (!v.isStaff && !v.isPatron) throw forbidden('Only staff and patrons make inter-library requests.');
    if (!input.recordId && !input.citation) throw badInput('give recordId or citation', 'input.recordId');
    const serviceType = (input.serviceType ?? 'LOAN') as IllServiceType;
    const neededBy = parseNeededBy(input.neededBy);
    const notes = cleanText(input.notes, { field: 'input.notes', max: 2000, multiline: true });
    const lenderCodes = input.lenderCodes?.map((c) => parseLibraryCode(c, 'input.lenderCodes')) ?? null;
    if (lenderCodes && (lenderCodes.length === 0 || lenderCodes.length > MAX_ROTA || new Set(lenderCodes).size !== lenderCodes.length)) {
      throw badInput(`lenderCodes must name 1 to ${MAX_ROTA} different libraries`, 'input.lenderCodes');
    }

    // the borrowing library
    let requesting: Library | null;
    if (v.isPatron) {
      if (input.requestingLibraryCode || input.cardNumber) {
        const code = input.requestingLibraryCode ? parseLibraryCode(input.requestingLibraryCode, 'input.requestingLibraryCode') : null;
        const card = input.cardNumber ? parseCardNumber(input.cardNumber, 'input.cardNumber') : null;
        if ((card && card !== v.username) || code) return new NotPermittedError('Patrons ask for themselves, through their home library.');
      }
      requesting = await ctx.loaders.libraryById.load(v.libraryId!);
    } else if (input.requestingLibraryCode) {
      const code = parseLibraryCode(input.requestingLibraryCode, 'input.requestingLibraryCode');
      requesting = await librariesService.byCode(ctx, code);
      if (!requesting) return new UnknownLibraryError(`No library has the code ${code}.`, code);
    } else {
      if (v.libraryId === null) throw badInput('a network admin must name the requestingLibraryCode', 'input.requestingLibraryCode');
      requesting = await ctx.loaders.libraryById.load(v.libraryId);
    }
    if (!requesting) throw new Error('viewer library missing');
    if (v.isStaff && !v.worksAt(requesting.id)) return new NotPermittedError(`Only staff of ${requesting.code} make its requests.`);
    if (!requesting.borrowsFromNetwork) return new LibraryNotSharingError(`${requesting.code} does not borrow from the network.`, requesting.code);
    let pickup = requesting;
    if (input.pickupLibraryCode) {
      const code = parseLibraryCode(input.pickupLibraryCode, 'input.pickupLibraryCode');
      const lib = await librariesService.byCode(ctx, code);
      if (!lib) return new UnknownLibraryError(`No library has the code ${code}.`, code);
      if (!lib.borrowsFromNetwork) return new LibraryNotSharingError(`${lib.code} does not receive copies from the network.`, lib.code);
      pickup = lib;
    }

    // what is wanted
    let recordId: number | null = null;
    let citation: IllCitation = {};
    if (input.citation) {
      const parsed = parseCitation(input.citation);
      if (parsed instanceof InvalidIsbnError) return parsed;
      citation = parsed;
    }
    if (input.recordId) {
      const rec = await catalogService.record(ctx, decodeIdOf('BibliographicRecord', input.recordId, 'input.recordId'));
      if (!rec) return new RecordNotFoundError(`No record ${input.recordId}.`, input.recordId);
      recordId = rec.id;
    } else if (citation.isbn) {
      const found = await query<{ id: string }>(ctx.em, `select id from bib_records where isbns @> array[?]::text[] and merged_into_id is null order by id limit 1`, [
        citation.isbn,
      ]);
      if (found[0]) recordId = Number(found[0].id);
    }
    if (recordId !== null) {
      const rec = (await ctx.loaders.recordById.load(recordId))!;
      citation = {
        ...citation,
        title: rec.subtitle ? `${rec.title}: ${rec.subtitle}` : rec.title,
        author: rec.contributors[0]?.name ?? citation.author,
        isbn: rec.isbns[0] ?? citation.isbn,
        year: rec.year ?? citation.year,
        publisher: rec.publisher ?? citation.publisher,
        edition: rec.edition ?? citation.edition,
      };
      for (const k of Object.keys(citation) as (keyof IllCitation)[]) if (citation[k] === undefined || citation[k] === null) delete citation[k];
    }

    // the lenders
    let rota: RotaCandidate[];
    if (lenderCodes) {
      const libs = await ctx.loaders.libraryByCode.loadMany(lenderCodes);
      const ids: number[] = [];
      for (const [i, l] of libs.entries()) {
        if (!l || l instanceof Error) return new UnknownLibraryError(`No library has the code ${lenderCodes[i]}.`, lenderCodes[i]);
        if (l.id === requesting.id) throw badInput('a library does not borrow from itself', 'input.lenderCodes');
        if (!l.lendsToNetwork) return new LibraryNotSharingError(`${l.code} does not lend to the network.`, l.code);
        ids.push(l.id);
      }
      rota = await chosenRota(ctx.em, ids);
    } else if (recordId !== null) {
      rota = await buildRota(ctx.em, recordId, requesting.id);
    } else {
      return new NoLenderAvailableError('This title is not in the union catalog: name the libraries to ask with lenderCodes.');
    }
    if (rota.length === 0) return new NoLenderAvailableError();

    const requestingLib = requesting;
    try {
      // no transaction: the request, its rota, history, event and audit row are one statement, and a
      // second open request of the reader for the title is refused by a unique index, not by a lock
      const em = ctx.em;
      let patronId: number | null = null;
      if (v.isPatron || input.cardNumber) {
        const rows = await query<{ id: string; home_library_id: string; status: PatronStatus; block_reason: string | null; expires_on: string; expired: boolean }>(
          em,
          `select id, home_library_id, status, block_reason, to_char(expires_on, 'YYYY-MM-DD') expires_on,
                  expires_on < (now() at time zone 'Asia/Ho_Chi_Minh')::date expired
             from patrons where ${v.isPatron ? 'id = ?' : 'card_number = ?'}`,
          [v.isPatron ? v.patronId : parseCardNumber(input.cardNumber!, 'input.cardNumber')],
        );
        const p = rows[0];
        if (!p) return new PatronNotFoundError();
        // staff ask for their own library's readers (or readers who collect at their desk)
        if (v.isStaff && !v.worksAt(Number(p.home_library_id)) && !v.worksAt(pickup.id)) return new PatronNotFoundError();
        if (p.status === PatronStatus.BLOCKED) return new PatronBlockedError(p.block_reason);
        if (p.status === PatronStatus.EXPIRED || p.expired) return new PatronExpiredError(p.expires_on);
        patronId = Number(p.id);
      }
      const first = rota[0];
      const rows = await query<Record<string, unknown>>(
        em,
        `with lender as (
           select id, sn_add_working_days(now(), ill_response_days, time_zone) due from libraries where id = ?
         ), r as (
           insert into ill_requests (requesting_library_id, pickup_library_id, patron_id, record_id, citation, service_type,
                  needed_by, notes, requester_state, supplier_state, lender_id, rota_position, answer_due_at,
                  created_by_account_id, created_by_patron_id)
           select ?, ?, ?, ?, ?::jsonb, ?, ?::date, ?, 'REQUESTED', 'REQUEST_RECEIVED', lender.id, 1, lender.due, ?, ? from lender
           returning ${REQUEST_COLUMNS}
         ), rota as (
           insert into ill_rota_entries (request_id, position, library_id, available_copies, open_requests, distance, rank_reason, status, asked_at)
           select r.id, e.pos, e.lib, e.avail, e.load, e.dist, e.why, case when e.pos = 1 then 'ASKED' else 'PENDING' end,
                  case when e.pos = 1 then now() end
             from r, unnest(?::int[], ?::bigint[], ?::int[], ?::int[], ?::text[], ?::text[]) e(pos, lib, avail, load, dist, why)
           returning 1
         ), h as (
           insert into ill_history (request_id, action, side, actor_account_id, actor_patron_id, library_id, lender_id,
                  requester_state, supplier_state, note, data)
           select r.id, 'CREATE', 'BORROWER', ?, ?, r.requesting_library_id, r.lender_id, r.requester_state, r.supplier_state, r.notes,
                  jsonb_build_object('rotaSize', ?::int) from r returning id
         ), ev as (
           insert into events (type, library_ids, entity, entity_id, payload)
           select 'ill.created', array_remove(array[r.requesting_library_id, r.pickup_library_id, r.lender_id], null), 'IllRequest', r.id,
                  jsonb_build_object('requestId', r.id, 'action', 'CREATE', 'requesterState', r.requester_state,
                                     'supplierState', r.supplier_state, 'lenderId', r.lender_id, 'serviceType', r.service_type)
             from r returning 1
         ), au as (
           insert into audit_log (actor_account_id, actor_patron_id, actor_api_client_id, library_id, action, entity, entity_id, after)
           select ?, ?, ?, r.requesting_library_id, 'ill:CREATE', 'IllRequest', r.id,
                  jsonb_build_object('requesterState', r.requester_state, 'lenderId', r.lender_id, 'recordId', r.record_id) from r returning 1
         )
         select r.* from r`,
        [
          first.libraryId,
          requestingLib.id,
          pickup.id,
          patronId,
          recordId,
          JSON.stringify(citation),
          serviceType,
          neededBy,
          notes,
          v.accountId,
          v.isPatron ? v.patronId : null,
          `{${rota.map((c) => c.position).join(',')}}`,
          pgArray(em, rota.map((c) => c.libraryId), 'bigint'),
          `{${rota.map((c) => c.availableCopies).join(',')}}`,
          `{${rota.map((c) => c.openLendingRequests).join(',')}}`,
          pgArray(em, rota.map((c) => c.distance), 'text'),
          pgArray(em, rota.map((c) => c.rankReason), 'text'),
          v.accountId,
          v.isPatron ? v.patronId : null,
          rota.length,
          v.accountId,
          v.isPatron ? v.patronId : null,
          v.apiClientId,
        ],
      );
      return mapRequest(em, rows[0]);
    } catch (err) {
      // the unique index on open requests per reader and title: a concurrent or earlier request won
      if ((err as { constraint?: string }).constraint === 'ill_requests_one_open_per_patron_record') {
        const open = await query<{ id: string }>(
          ctx.em,
          `select r.id from ill_requests r join patrons p on p.id = r.patron_id
            where r.record_id = ? and r.closed_at is null and ${v.isPatron ? 'p.id = ?' : 'p.card_number = ?'} limit 1`,
          [recordId, v.isPatron ? v.patronId : parseCardNumber(input.cardNumber!, 'input.cardNumber')],
        );
        return new DuplicateIllRequestError(open[0] ? toGlobalId('IllRequest', Number(open[0].id)) : '');
      }
      throw err;
    }
  }

  /** Sets a library's working days to answer a request (its library admin, or a network admin); audited. */
  async setResponseDays(ctx: Context, code: string, days: number): Promise<Library> {
    requireStaff(ctx, 'change resource-sharing settings');
    const [lib] = await librariesService.requireCodes(ctx, [code], 'libraryCode');
    const v = ctx.viewer;
    if (!(v.isNetworkAdmin || (v.role === StaffRole.LIBRARY_ADMIN && v.libraryId === lib.id))) {
      throw forbidden(`Only an administrator of ${lib.code} or a network admin changes its response time.`);
    }
    if (!Number.isInteger(days) || days < 1 || days > 30) throw badInput('days must be between 1 and 30', 'days');
    await ctx.em.transactional(async (em) => {
      await query(em, 'update libraries set ill_response_days = ?, updated_at = now() where id = ?', [days, lib.id]);
      await audit({ em, viewer: v }, { action: 'setIllResponseDays', entity: 'Library', entityId: lib.id, libraryId: lib.id, before: { illResponseDays: lib.illResponseDays }, after: { illResponseDays: days } });
    });
    ctx.loaders.libraryById.clear(lib.id);
    ctx.loaders.libraryByCode.clear(lib.code);
    return (await ctx.loaders.libraryById.load(lib.id))!;
  }

  /** The lenders a request for this record would ask, in order, without creating anything. */
  async previewRota(ctx: Context, recordGid: string, requestingLibraryCode: string): Promise<RotaCandidate[]> {
    requireStaff(ctx, 'preview a rota');
    const [lib] = await librariesService.requireCodes(ctx, [requestingLibraryCode], 'requestingLibraryCode');
    const rec = await catalogService.record(ctx, decodeIdOf('BibliographicRecord', recordGid, 'recordId'));
    if (!rec) return [];
    return buildRota(ctx.em, rec.id, lib.id);
  }

  /** A request, when the viewer takes part in it (either side, an earlier lender, the reader) or is a network admin. */
  async get(ctx: Context, gid: string): Promise<IllRequest | null> {
    const id = decodeIdOf('IllRequest', gid, 'id');
    return this.visible(ctx, id);
  }

  async visible(ctx: Context, id: number): Promise<IllRequest | null> {
    if (!ctx.viewer.isAuthenticated) return null;
    const rows = await query<Record<string, unknown>>(ctx.em, `select ${REQUEST_COLUMNS} from ill_requests where id = ?`, [id]);
    if (!rows[0]) return null;
    const r = mapRequest(ctx.em, rows[0]);
    const role = roleOf(ctx.viewer, r);
    if (role.borrower || role.lender || role.patron) return r;
    if (ctx.viewer.isStaff && (await wasAsked(ctx.em, r.id, ctx.viewer.libraryId))) return r;
    return null;
  }

  /**
   * A library's queue: its borrowing requests (made by it or picked up there) or its lending ones
   * (every request it was asked to supply), newest first, keyset-paged on the id.
   */
  async list(ctx: Context, filter: IllRequestFilter, first: number | null | undefined, after: string | null | undefined) {
    requireStaff(ctx, 'see inter-library requests');
    const [lib] = await librariesService.requireCodes(ctx, [filter.libraryCode], 'filter.libraryCode');
    if (!ctx.viewer.worksAt(lib.id)) throw forbidden(`Only staff of ${lib.code} see its inter-library requests.`);
    const limit = pageSize(first);
    const cursor = decodeCursor('ill', after);
    if (cursor && !Number.isSafeInteger(cursor[0])) throw badInput('after is not a valid cursor', 'after');
    const where: string[] = [];
    const params: unknown[] = [];
    // the library's own lender state: the live one while it holds the request, its rota outcome after
    const lenderState = `case when r.lender_id = ? then r.supplier_state else (
        select case e.status when 'SUPPLIED' then case when r.service_type = 'COPY' or r.delivery_url is not null then 'COPY_COMPLETED' else 'LOAN_COMPLETED' end
                             when 'RETRY_POSSIBLE' then 'RETRY_POSSIBLE' when 'CANCELLED' then 'CANCELLED'
                             when 'CONDITIONS_REJECTED' then 'CANCELLED' else 'UNFILLED' end
          from ill_rota_entries e where e.request_id = r.id and e.library_id = ?) end`;
    if (filter.side === IllSide.BORROWING) {
      where.push('(r.requesting_library_id = ? or r.pickup_library_id = ?)');
      params.push(lib.id, lib.id);
      if (filter.states?.length) {
        where.push('r.requester_state = any(?::text[])');
        params.push(pgArray(ctx.em, filter.states, 'text'));
      }
      if (filter.needsAttention !== null && filter.needsAttention !== undefined) {
        where.push(`${filter.needsAttention ? '' : 'not '}(r.requester_state = any(?::text[]))`);
        params.push(pgArray(ctx.em, BORROWER_ATTENTION, 'text'));
      }
    } else {
      where.push('r.id in (select e.request_id from ill_rota_entries e where e.library_id = ? and e.asked_at is not null)');
      params.push(lib.id);
      if (filter.states?.length) {
        where.push(`(${lenderState}) = any(?::text[])`);
        params.push(lib.id, lib.id, pgArray(ctx.em, filter.states, 'text'));
      }
      if (filter.needsAttention !== null && filter.needsAttention !== undefined) {
        const attention = `(r.lender_id = ? and (r.supplier_state = any(?::text[]) or (r.renewal_requested_at is not null and r.closed_at is null)))`;
        where.push(filter.needsAttention ? attention : `not ${attention}`);
        params.push(lib.id, pgArray(ctx.em, LENDER_ATTENTION, 'text'));
      }
    }
    const countWhere = where.join(' and ');
    const countParams = [...params];
    if (cursor) {
      where.push('r.id < ?');
      params.push(cursor[0]);
    }
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select ${requestColumns('r')} from ill_requests r
        where ${where.join(' and ')} order by r.id desc limit ?`,
      [...params, limit + 1],
    );
    const page: Page<IllRequest> = toPage(rows.map((row) => mapRequest(ctx.em, row)), limit, (r) => encodeCursorOf(r), (r) => r);
    let total: Promise<number> | null = null;
    return {
      ...page,
      get totalCount() {
        total ??= query<{ n: string }>(ctx.em, `select count(*) n from ill_requests r where ${countWhere}`, countParams).then((x) => Number(x[0].n));
        return total;
      },
    };
  }

  /** The signed-in patron's own requests, newest first. */
  async mine(ctx: Context, first: number | null | undefined, after: string | null | undefined) {
    const limit = pageSize(first);
    const cursor = decodeCursor('ill', after);
    if (cursor && !Number.isSafeInteger(cursor[0])) throw badInput('after is not a valid cursor', 'after');
    const patronId = ctx.viewer.isPatron ? ctx.viewer.patronId : null;
    const rows =
      patronId === null
        ? []
        : await query<Record<string, unknown>>(
            ctx.em,
            `select ${REQUEST_COLUMNS} from ill_requests where patron_id = ? ${cursor ? 'and id < ?' : ''} order by id desc limit ?`,
            cursor ? [patronId, cursor[0], limit + 1] : [patronId, limit + 1],
          );
    const page: Page<IllRequest> = toPage(rows.map((row) => mapRequest(ctx.em, row)), limit, encodeCursorOf, (r) => r);
    let total: Promise<number> | null = null;
    return {
      ...page,
      get totalCount() {
        total ??=
          patronId === null
            ? Promise.resolve(0)
            : query<{ n: string }>(ctx.em, 'select count(*) n from ill_requests where patron_id = ?', [patronId]).then((x) => Number(x[0].n));
        return total;
      },
    };
  }
}

function encodeCursorOf(r: IllRequest): string {
  return Buffer.from(JSON.stringify(['ill', r.id]), 'utf8').toString('base64url');
}

export const illRequestsService = new IllRequestsService();
export { IllState };
