import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../server/context';
import { NotPermittedError } from '../../common/error-results';
import { badInput, unauthenticated } from '../../common/errors';
import { decodeIdOf } from '../../common/ids';
import { query } from '../../db/sql';
import { audit } from '../audit/audit.service';
import { ItemNotFoundError, RecordNotFoundError, UnknownLibraryError } from '../catalog/catalog.types';
import { catalogService } from '../catalog/catalog.service';
import { emitEvent } from '../events/outbox';
import { librariesService, parseLibraryCode } from '../libraries/libraries.service';
import { PatronStatus } from '../patrons/patron.entity';
import { PatronBlockedError, PatronExpiredError, PatronNotFoundError } from '../patrons/patron.types';
import { parseCardNumber } from '../patrons/patrons.service';
import {
  AlreadyOnLoanToPatronError,
  DuplicateHoldError,
  HoldLimitReachedError,
  HoldNotChangeableError,
  HoldNotFoundError,
  HoldsNotAllowedError,
} from './circulation.types';
import { Hold, HoldStatus } from './hold.entity';
import { effectivePolicy } from './policy';
import { lockItemByBarcode, routeFreeItem } from './routing';

export interface PlaceHoldArgs {
  recordId?: string | null;
  itemId?: string | null;
  pickupLibraryCode: string;
  /** Staff placing a hold for a patron; patrons place their own. */
  cardNumber?: string | null;
}

const ACTIVE = `('WAITING','IN_TRANSIT','READY_FOR_PICKUP')`;
/** Advisory-lock namespace of a title's hold queue (first key of pg_advisory_xact_lock; 'HOLD'). */
const HOLD_QUEUE_LOCK = 0x484f4c44;

export class HoldsService {
  /** Places a title-level (recordId) or copy-level (itemId) hold. Positions come from the queue order. */
  async place(ctx: Context, args: PlaceHoldArgs) {
    const v = ctx.viewer;
    if (!v.isAuthenticated) throw unauthenticated();
    if ((args.recordId ? 1 : 0) + (args.itemId ? 1 : 0) !== 1) throw badInput('give exactly one of recordId and itemId', 'recordId');
    const pickupCode = parseLibraryCode(args.pickupLibraryCode, 'pickupLibraryCode');
    const pickup = await librariesService.byCode(ctx, pickupCode);
    if (!pickup) return new UnknownLibraryError(`No library has the code ${pickupCode}.`, pickupCode);
    let recordId: number;
    let itemId: number | null = null;
    let format: string;
    if (args.itemId) {
      itemId = decodeIdOf('Item', args.itemId, 'itemId');
      const item = await ctx.loaders.itemById.load(itemId);
      if (!item) return new ItemNotFoundError(`No copy ${args.itemId}.`);
      const rec = await catalogService.record(ctx, item.record.id);
      recordId = rec!.id;
      format = rec!.format;
    } else {
      const rec = await catalogService.record(ctx, decodeIdOf('BibliographicRecord', args.recordId!, 'recordId'));
      if (!rec) return new RecordNotFoundError(`No record ${args.recordId}.`, args.recordId!);
      recordId = rec.id;
      format = rec.format;
    }
    let card: string | null = null;
    if (v.isPatron) {
      if (args.cardNumber && parseCardNumber(args.cardNumber) !== v.username) return new NotPermittedError('Patrons place holds for themselves only.');
    } else {
      if (!args.cardNumber) throw badInput('staff must give the cardNumber of the patron', 'cardNumber');
      card = parseCardNumber(args.cardNumber);
    }
    return ctx.em.transactional(async (em) => {
      // the patron row lock serialises one patron's holds (limits); different patrons never wait on each other
      const rows = await query<{ id: string; home_library_id: string; category: string; status: PatronStatus; block_reason: string | null; expires_on: string; expired: boolean }>(
        em,
        `select id, home_library_id, category, status, block_reason, to_char(expires_on, 'YYYY-MM-DD') expires_on,
                expires_on < (now() at time zone 'Asia/Ho_Chi_Minh')::date expired
           from patrons where ${v.isPatron ? 'id = ?' : 'card_number = ?'} for update`,
        [v.isPatron ? v.patronId : card],
      );
      const patron = rows[0];
      if (!patron) return new PatronNotFoundError();
      const patronId = Number(patron.id);
      if (v.isStaff && !v.worksAt(Number(patron.home_library_id)) && !v.worksAt(pickup.id)) {
        return new NotPermittedError('Staff place holds for patrons of their library or for pickup at their library.');
      }
      if (patron.status === PatronStatus.BLOCKED) return new PatronBlockedError(patron.block_reason);
      if (patron.status === PatronStatus.EXPIRED || patron.expired) return new PatronExpiredError(patron.expires_on);
      const policy = await effectivePolicy(em, pickup.id, patron.category, format);
      if (!policy.holdsAllowed) return new HoldsNotAllowedError();
      const counts = await query<{ holds: string; dup: boolean; onloan: boolean }>(
        em,
        `select (select count(*) from holds where patron_id = ? and status in ${ACTIVE}) holds,
                exists (select 1 from holds where patron_id = ? and record_id = ? and status in ${ACTIVE}) dup,
                exists (select 1 from loans l join items i on i.id = l.item_id
                         where l.patron_id = ? and l.returned_at is null and i.record_id = ?) onloan`,
        [patronId, patronId, recordId, patronId, recordId],
      );
      if (counts[0].onloan) return new AlreadyOnLoanToPatronError();
      if (counts[0].dup) return new DuplicateHoldError();
      if (Number(counts[0].holds) >= policy.maxHolds) return new HoldLimitReachedError(policy.maxHolds);
      // one placement per title at a time, until commit: hold ids then commit in queue order, so the
      // position a patron is told (counted after commit) never misses a hold placed just before
      await query(em, 'select pg_advisory_xact_lock(?, ?)', [HOLD_QUEUE_LOCK, recordId % 2147483647]);
      const inserted = await query<Record<string, unknown>>(
        em,
        `insert into holds (record_id, item_id, patron_id, pickup_library_id) values (?, ?, ?, ?) returning *`,
        [recordId, itemId, patronId, pickup.id],
      );
      const hold = em.map(Hold, inserted[0]);
      await emitEvent(em, {
        type: 'hold.placed',
        libraryIds: [pickup.id, Number(patron.home_library_id)],
        entity: 'Hold',
        entityId: hold.id,
        payload: { holdId: hold.id, recordId, itemId, patronId, pickupLibraryId: pickup.id },
      });
      await audit({ em, viewer: ctx.viewer }, { action: 'placeHold', entity: 'Hold', entityId: hold.id, libraryId: pickup.id, after: { status: hold.status, recordId, itemId, patronId } });
      return hold;
    });
  }

  /** Locks a hold the viewer may act on (the patron, staff of the pickup or home library, network admins). */
  private async lockHold(ctx: Context, em: EntityManager, gid: string): Promise<{ hold: Hold; homeLibraryId: number } | null> {
    const id = decodeIdOf('Hold', gid, 'holdId');
    const rows = await query<Record<string, unknown> & { home_library_id: string }>(
      em,
      `select h.*, p.home_library_id from holds h join patrons p on p.id = h.patron_id where h.id = ? for update of h`,
      [id],
    );
    if (!rows[0]) return null;
    const homeLibraryId = Number(rows[0].home_library_id);
    delete (rows[0] as Record<string, unknown>).home_library_id;
    const hold = em.map(Hold, rows[0]);
    const v = ctx.viewer;
    const allowed = (v.isPatron && v.patronId === hold.patronId) || v.worksAt(hold.pickupLibraryId) || v.worksAt(homeLibraryId);
    return allowed ? { hold, homeLibraryId } : null;
  }

  /** Cancels a hold; a copy already captured for it goes to the next hold or home. */
  async cancel(ctx: Context, gid: string) {
    if (!ctx.viewer.isAuthenticated) throw unauthenticated();
    const id = decodeIdOf('Hold', gid, 'holdId');
    return ctx.em.transactional(async (em) => {
      // a copy on the hold shelf is locked before its hold, the desk's order (checkout locks the copy,
      // then the hold on it): the other order deadlocked with the patron collecting it at that moment
      const shelved = await query<{ barcode: string }>(
        em,
        `select i.barcode from holds h join items i on i.id = h.captured_item_id where h.id = ? and h.status = 'READY_FOR_PICKUP'`,
        [id],
      );
      let item = shelved[0] ? await lockItemByBarcode(em, shelved[0].barcode) : null;
      const found = await this.lockHold(ctx, em, gid);
      if (!found) return new HoldNotFoundError();
      const { hold } = found;
      if (![HoldStatus.WAITING, HoldStatus.IN_TRANSIT, HoldStatus.READY_FOR_PICKUP].includes(hold.status)) {
        return new HoldNotChangeableError(hold.status);
      }
      const before = hold.status;
      await query(em, `update holds set status = 'CANCELLED', closed_at = now() where id = ?`, [hold.id]);
      if (hold.status === HoldStatus.READY_FOR_PICKUP && hold.capturedItemId) {
        // the copy on the hold shelf is free again: next in the queue, or home (a copy captured since
        // the look above is locked now)
        if (item?.id !== hold.capturedItemId) {
          const barcode = await query<{ barcode: string }>(em, 'select barcode from items where id = ?', [hold.capturedItemId]);
          item = await lockItemByBarcode(em, barcode[0].barcode);
        }
        if (item) await routeFreeItem(em, item, hold.pickupLibraryId);
      }
      // a copy in transit for a cancelled hold is routed when it arrives
      hold.status = HoldStatus.CANCELLED;
      await emitEvent(em, {
        type: 'hold.cancelled',
        libraryIds: [hold.pickupLibraryId, found.homeLibraryId],
        entity: 'Hold',
        entityId: hold.id,
        payload: { holdId: hold.id, before },
      });
      await audit({ em, viewer: ctx.viewer }, { action: 'cancelHold', entity: 'Hold', entityId: hold.id, libraryId: hold.pickupLibraryId, before: { status: before }, after: { status: 'CANCELLED' } });
      return hold;
    });
  }

  /** Moves a waiting hold to another pickup library. */
  async updatePickup(ctx: Context, gid: string, code: string) {
    if (!ctx.viewer.isAuthenticated) throw unauthenticated();
    const pickupCode = parseLibraryCode(code, 'pickupLibraryCode');
    const lib = await librariesService.byCode(ctx, pickupCode);
    if (!lib) return new UnknownLibraryError(`No library has the code ${pickupCode}.`, pickupCode);
    return ctx.em.transactional(async (em) => {
      const found = await this.lockHold(ctx, em, gid);
      if (!found) return new HoldNotFoundError();
      if (found.hold.status !== HoldStatus.WAITING) return new HoldNotChangeableError(found.hold.status);
      // the new pickup library's rules apply as if the hold were placed there
      const rule = await query<{ category: string; format: string }>(
        em,
        `select p.category, r.format from patrons p, bib_records r where p.id = ? and r.id = ?`,
        [found.hold.patronId, found.hold.recordId],
      );
      const policy = await effectivePolicy(em, lib.id, rule[0].category, rule[0].format);
      if (!policy.holdsAllowed || !lib.borrowsFromNetwork && lib.id !== found.homeLibraryId) return new HoldsNotAllowedError();
      const before = found.hold.pickupLibraryId;
      await query(em, 'update holds set pickup_library_id = ? where id = ?', [lib.id, found.hold.id]);
      found.hold.pickupLibraryId = lib.id;
      await emitEvent(em, { type: 'hold.pickup_changed', libraryIds: [before, lib.id], entity: 'Hold', entityId: found.hold.id, payload: { holdId: found.hold.id, from: before, to: lib.id } });
      await audit({ em, viewer: ctx.viewer }, { action: 'updateHoldPickupLibrary', entity: 'Hold', entityId: found.hold.id, libraryId: lib.id, before: { pickupLibraryId: before }, after: { pickupLibraryId: lib.id } });
      return found.hold;
    });
  }

  /** Suspends a waiting hold until a time (it keeps its place but is not filled); null resumes. */
  async suspend(ctx: Context, gid: string, until: Date | null) {
    if (!ctx.viewer.isAuthenticated) throw unauthenticated();
    if (until !== null && (Number.isNaN(until.getTime()) || until.getTime() <= Date.now())) throw badInput('until must be in the future', 'until');
    if (until !== null && until.getTime() > Date.now() + 366 * 86400_000) throw badInput('until must be within a year', 'until');
    return ctx.em.transactional(async (em) => {
      const found = await this.lockHold(ctx, em, gid);
      if (!found) return new HoldNotFoundError();
      if (found.hold.status !== HoldStatus.WAITING) return new HoldNotChangeableError(found.hold.status);
      await query(em, 'update holds set suspended_until = ? where id = ?', [until, found.hold.id]);
      found.hold.suspendedUntil = until;
      await emitEvent(em, { type: 'hold.suspended', libraryIds: [found.hold.pickupLibraryId], entity: 'Hold', entityId: found.hold.id, payload: { holdId: found.hold.id, until: until?.toISOString() ?? null } });
      await audit({ em, viewer: ctx.viewer }, { action: 'suspendHold', entity: 'Hold', entityId: found.hold.id, libraryId: found.hold.pickupLibraryId, after: { suspendedUntil: until } });
      return found.hold;
    });
  }
}

export const holdsService = new HoldsService();
