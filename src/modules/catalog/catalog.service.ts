import { LockMode, UniqueConstraintViolationException, wrap } from '@mikro-orm/core';
import type { Context } from '../../server/context';
import { NotPermittedError } from '../../common/error-results';
import { badInput, unauthenticated } from '../../common/errors';
import { decodeIdOf } from '../../common/ids';
import { cleanText, requireText } from '../../common/text';
import { query } from '../../db/sql';
import { audit } from '../audit/audit.service';
import { librariesService, parseLibraryCode } from '../libraries/libraries.service';
import { Library } from '../libraries/library.entity';
import {
  AddItemInput,
  ContributorInput,
  CreateRecordInput,
  DuplicateBarcodeError,
  InvalidIsbnError,
  InvalidIssnError,
  InvalidMergeError,
  ItemNotFoundError,
  ItemNotWithdrawableError,
  MergeRecordsInput,
  RecordNotFoundError,
  UnknownLibraryError,
  UpdateItemInput,
  UpdateRecordInput,
} from './catalog.types';
import { normalizeIsbn, normalizeIssn } from './isbn';
import { Item, ItemStatus } from './item.entity';
import { BibliographicRecord, Contributor } from './record.entity';

const BARCODE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
const SHELF_STATUSES = new Set([ItemStatus.AVAILABLE, ItemStatus.IN_PROCESSING, ItemStatus.MISSING, ItemStatus.DAMAGED]);
/** Statuses in which a copy is with a reader or travelling: it cannot be withdrawn then. */
const CIRCULATING = new Set([ItemStatus.ON_LOAN, ItemStatus.ON_HOLD_SHELF, ItemStatus.IN_TRANSIT]);

type RecordFields = Omit<CreateRecordInput, 'title'> & { title?: string | null };

function requireStaff(ctx: Context): void {
  if (!ctx.viewer.isAuthenticated) throw unauthenticated();
}

function snapshot(o: object): unknown {
  return JSON.parse(JSON.stringify(wrap(o).toObject()));
}

export class CatalogService {
  /** Follows merges: the id of a merged duplicate resolves to the record that stayed. */
  async record(ctx: Context, id: number): Promise<BibliographicRecord | null> {
    let rec = await ctx.loaders.recordById.load(id);
    for (let hops = 0; rec?.mergedInto && hops < 20; hops++) rec = await ctx.loaders.recordById.load(rec.mergedInto.id);
    return rec;
  }

  async itemByBarcode(ctx: Context, barcode: string): Promise<Item | null> {
    const b = barcode.trim();
    if (!BARCODE.test(b)) throw badInput('barcode is not valid', 'barcode');
    return ctx.loaders.itemByBarcode.load(b);
  }

  /** Creates a record; any staff member may. */
  async createRecord(ctx: Context, input: CreateRecordInput) {
    requireStaff(ctx);
    if (!ctx.viewer.canCatalogue) return new NotPermittedError('Only staff may create records.');
    const fields = this.recordFields(input, true);
    if (!(fields instanceof Map)) return fields;
    return ctx.em.transactional(async (em) => {
      const rec = em.create(BibliographicRecord, Object.fromEntries(fields) as Partial<BibliographicRecord> as BibliographicRecord);
      await em.flush();
      await audit({ ...ctx, em }, { action: 'createRecord', entity: 'BibliographicRecord', entityId: rec.id, after: snapshot(rec) });
      return rec;
    });
  }

  /** Changes the given fields of a record. */
  async updateRecord(ctx: Context, input: UpdateRecordInput) {
    requireStaff(ctx);
    const id = decodeIdOf('BibliographicRecord', input.id, 'input.id');
    if (!ctx.viewer.canCatalogue) return new NotPermittedError('Only staff may edit records.');
    const { id: _ignored, ...rest } = input;
    const fields = this.recordFields(rest, false);
    if (!(fields instanceof Map)) return fields;
    return ctx.em.transactional(async (em) => {
      const rec = await em.findOne(BibliographicRecord, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!rec || rec.mergedInto) return new RecordNotFoundError(`No record ${input.id}.`, input.id);
      const before = snapshot(rec);
      em.assign(rec, Object.fromEntries(fields));
      await em.flush();
      await audit({ ...ctx, em }, { action: 'updateRecord', entity: 'BibliographicRecord', entityId: rec.id, before, after: snapshot(rec) });
      return rec;
    });
  }

  /** Moves every copy of the duplicates onto the survivor; the duplicates' ids then resolve to it. */
  async mergeRecords(ctx: Context, input: MergeRecordsInput) {
    requireStaff(ctx);
    const survivorId = decodeIdOf('BibliographicRecord', input.survivorId, 'input.survivorId');
    if (input.duplicateIds.length === 0 || input.duplicateIds.length > 50) {
      throw badInput('duplicateIds must hold 1 to 50 ids', 'input.duplicateIds');
    }
    const dupIds = input.duplicateIds.map((d) => decodeIdOf('BibliographicRecord', d, 'input.duplicateIds'));
    if (!ctx.viewer.canMergeRecords) return new NotPermittedError('Only network administrators may merge records.');
    if (new Set([survivorId, ...dupIds]).size !== dupIds.length + 1) {
      return new InvalidMergeError('A record cannot be merged into itself, and each duplicate is named once.');
    }
    return ctx.em.transactional(async (em) => {
      // lock in id order so two merges touching the same records cannot deadlock
      const ids = [survivorId, ...dupIds].sort((a, b) => a - b);
      const recs = await em.find(BibliographicRecord, { id: { $in: ids } }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } });
      const byId = new Map(recs.map((r) => [r.id, r]));
      for (const [gid, id] of [[input.survivorId, survivorId], ...input.duplicateIds.map((g, i) => [g, dupIds[i]] as const)] as const) {
        const r = byId.get(id);
        if (!r) return new RecordNotFoundError(`No record ${gid}.`, gid);
        if (r.mergedInto) return new InvalidMergeError(`Record ${gid} was already merged into another record.`);
      }
      const survivor = byId.get(survivorId)!;
      const moved = await query<{ n: string }>(
        em,
        `with m as (update items set record_id = ?, updated_at = now() where record_id = any(array[${dupIds.map(() => '?').join(',')}]::bigint[]) returning 1)
         select count(*) n from m`,
        [survivorId, ...dupIds],
      );
      // keep the survivor's identifiers complete
      const isbns = new Set(survivor.isbns);
      for (const id of dupIds) {
        const dup = byId.get(id)!;
        dup.isbns.forEach((i) => isbns.add(i));
        dup.mergedInto = survivor;
      }
      survivor.isbns = [...isbns];
      await em.flush();
      await audit({ ...ctx, em }, {
        action: 'mergeRecords',
        entity: 'BibliographicRecord',
        entityId: survivorId,
        after: { survivorId, duplicateIds: dupIds, itemsMoved: Number(moved[0].n) },
      });
      return survivor;
    });
  }

  /** Adds a copy to a library's holdings; staff of that library or a network admin. */
  async addItem(ctx: Context, input: AddItemInput) {
    requireStaff(ctx);
    const recordId = decodeIdOf('BibliographicRecord', input.recordId, 'input.recordId');
    const barcode = this.barcode(input.barcode);
    const code = parseLibraryCode(input.libraryCode, 'input.libraryCode');
    const library = await librariesService.byCode(ctx, code);
    if (!library) return new UnknownLibraryError(`No library has the code ${code}.`, code);
    if (!ctx.viewer.canManageItemsOf(library.id)) {
      return new NotPermittedError(`Only staff of ${library.code} may add copies to its holdings.`);
    }
    if (input.status === ItemStatus.WITHDRAWN) throw badInput('a new copy cannot be WITHDRAWN', 'input.status');
    if (input.status && !SHELF_STATUSES.has(input.status)) {
      throw badInput('a new copy starts AVAILABLE, IN_PROCESSING, MISSING or DAMAGED', 'input.status');
    }
    const record = await this.record(ctx, recordId);
    if (!record) return new RecordNotFoundError(`No record ${input.recordId}.`, input.recordId);
    try {
      return await ctx.em.transactional(async (em) => {
        const item = em.create(Item, {
          record: em.getReference(BibliographicRecord, record.id),
          library: em.getReference(Library, library.id),
          barcode,
          location: cleanText(input.location, { field: 'input.location', max: 200 }),
          callNumber: cleanText(input.callNumber, { field: 'input.callNumber', max: 100 }),
          status: input.status ?? ItemStatus.AVAILABLE,
          loanable: input.loanable ?? true,
          lendable: input.lendable ?? true,
          notes: cleanText(input.notes, { field: 'input.notes', max: 2000, multiline: true }),
        } as Item);
        await em.flush();
        await audit({ ...ctx, em }, { action: 'addItem', entity: 'Item', entityId: item.id, libraryId: library.id, after: snapshot(item) });
        return item;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        return new DuplicateBarcodeError(`Barcode ${barcode} is already used in the network.`, barcode);
      }
      throw err;
    }
  }

  /** Changes the given fields of a copy; staff of its library or a network admin. */
  async updateItem(ctx: Context, input: UpdateItemInput) {
    requireStaff(ctx);
    const id = decodeIdOf('Item', input.id, 'input.id');
    const barcode = input.barcode === undefined || input.barcode === null ? undefined : this.barcode(input.barcode);
    if (input.status && !SHELF_STATUSES.has(input.status)) {
      throw badInput('status may be set to AVAILABLE, IN_PROCESSING, MISSING or DAMAGED only', 'input.status');
    }
    const changes: Partial<Item> = {};
    if (barcode !== undefined) changes.barcode = barcode;
    for (const [key, max] of [
      ['location', 200],
      ['callNumber', 100],
      ['notes', 2000],
    ] as const) {
      if (input[key] !== undefined) changes[key] = cleanText(input[key], { field: `input.${key}`, max, multiline: key === 'notes' });
    }
    for (const key of ['loanable', 'lendable'] as const) {
      if (input[key] !== undefined && input[key] !== null) changes[key] = input[key]!;
    }
    try {
      return await ctx.em.transactional(async (em) => {
        const item = await em.findOne(Item, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!item) return new ItemNotFoundError(`No copy ${input.id}.`);
        if (!ctx.viewer.canManageItemsOf(item.library.id)) {
          return new NotPermittedError('Only staff of the owning library may change this copy.');
        }
        if (input.status) {
          if (item.status === ItemStatus.WITHDRAWN || CIRCULATING.has(item.status)) {
            return new ItemNotWithdrawableError(`The copy is ${item.status}; circulation changes its status.`, item.status);
          }
          changes.status = input.status;
        }
        const before = snapshot(item);
        em.assign(item, changes);
        await em.flush();
        await audit({ ...ctx, em }, { action: 'updateItem', entity: 'Item', entityId: item.id, libraryId: item.library.id, before, after: snapshot(item) });
        return item;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException && barcode) {
        return new DuplicateBarcodeError(`Barcode ${barcode} is already used in the network.`, barcode);
      }
      throw err;
    }
  }

  /** Withdraws a copy from the collection (kept for history, gone from holdings). */
  async withdrawItem(ctx: Context, itemGid: string, reason: string | null | undefined) {
    requireStaff(ctx);
    const id = decodeIdOf('Item', itemGid, 'id');
    const why = cleanText(reason, { field: 'reason', max: 500 });
    return ctx.em.transactional(async (em) => {
      const item = await em.findOne(Item, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!item) return new ItemNotFoundError(`No copy ${itemGid}.`);
      if (!ctx.viewer.canManageItemsOf(item.library.id)) {
        return new NotPermittedError('Only staff of the owning library may withdraw this copy.');
      }
      if (CIRCULATING.has(item.status) || item.status === ItemStatus.WITHDRAWN) {
        return new ItemNotWithdrawableError(`The copy is ${item.status} and cannot be withdrawn now.`, item.status);
      }
      const before = snapshot(item);
      item.status = ItemStatus.WITHDRAWN;
      if (why) item.notes = item.notes ? `${item.notes}\nWithdrawn: ${why}` : `Withdrawn: ${why}`;
      await em.flush();
      await audit({ ...ctx, em }, { action: 'withdrawItem', entity: 'Item', entityId: item.id, libraryId: item.library.id, before, after: snapshot(item) });
      return item;
    });
  }

  private barcode(raw: string): string {
    const b = (raw ?? '').trim();
    if (!BARCODE.test(b)) {
      throw badInput('barcode must be 1-64 letters, digits or . _ / - (starting with a letter or digit)', 'input.barcode');
    }
    return b;
  }

  /**
   * Validates record fields. Returns the column values to set, or a typed error (invalid ISBN/ISSN);
   * malformed text throws BAD_USER_INPUT.
   */
  private recordFields(input: RecordFields, creating: boolean): Map<string, unknown> | InvalidIsbnError | InvalidIssnError {
    const out = new Map<string, unknown>();
    const has = (k: keyof RecordFields) => creating || input[k] !== undefined;
    if (creating || input.title !== undefined) out.set('title', requireText(input.title, { field: 'input.title', max: 2000 }));
    for (const [k, max] of [
      ['subtitle', 2000],
      ['publisher', 500],
      ['place', 200],
      ['edition', 200],
      ['ddc', 50],
    ] as const) {
      if (has(k)) out.set(k, cleanText(input[k], { field: `input.${k}`, max }));
    }
    if (has('description')) out.set('description', cleanText(input.description, { field: 'input.description', max: 20000, multiline: true }));
    if (has('year')) {
      const y = input.year;
      if (y !== null && y !== undefined && (!Number.isInteger(y) || y < 0 || y > 9999)) throw badInput('year must be between 0 and 9999', 'input.year');
      out.set('year', y ?? null);
    }
    if (has('language')) {
      const l = cleanText(input.language, { field: 'input.language', max: 3 });
      if (l !== null && !/^[a-z]{2,3}$/i.test(l)) throw badInput('language must be an ISO 639 code such as vie', 'input.language');
      out.set('language', l?.toLowerCase() ?? null);
    }
    if (has('format') && input.format) out.set('format', input.format);
    if (has('contributors')) {
      const list = (input.contributors ?? []) as ContributorInput[];
      if (list.length > 100) throw badInput('at most 100 contributors', 'input.contributors');
      out.set(
        'contributors',
        list.map<Contributor>((c, i) => ({
          name: requireText(c.name, { field: `input.contributors[${i}].name`, max: 300 }),
          role: cleanText(c.role, { field: `input.contributors[${i}].role`, max: 50 }) ?? 'author',
        })),
      );
    }
    if (has('subjects')) {
      const list = input.subjects ?? [];
      if (list.length > 100) throw badInput('at most 100 subjects', 'input.subjects');
      out.set('subjects', [...new Set(list.map((s, i) => requireText(s, { field: `input.subjects[${i}]`, max: 300 })))]);
    }
    if (has('isbns')) {
      const list = input.isbns ?? [];
      if (list.length > 20) throw badInput('at most 20 ISBNs', 'input.isbns');
      const isbns: string[] = [];
      for (const raw of list) {
        const n = typeof raw === 'string' && raw.length <= 40 ? normalizeIsbn(raw) : null;
        if (!n) return new InvalidIsbnError(`${String(raw).slice(0, 40)} is not a valid ISBN-10 or ISBN-13.`, String(raw).slice(0, 40));
        if (!isbns.includes(n)) isbns.push(n);
      }
      out.set('isbns', isbns);
    }
    if (has('issn')) {
      const raw = cleanText(input.issn, { field: 'input.issn', max: 20 });
      if (raw === null) out.set('issn', null);
      else {
        const n = normalizeIssn(raw);
        if (!n) return new InvalidIssnError(`${raw} is not a valid ISSN.`, raw);
        out.set('issn', n);
      }
    }
    return out;
  }
}

export const catalogService = new CatalogService();
