import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../server/context';
import { NotPermittedError } from '../../common/error-results';
import { ErrorResult, badInput, unauthenticated } from '../../common/errors';
import { decodeIdOf } from '../../common/ids';
import { cleanText, requireText } from '../../common/text';
import { preparedQuery, query } from '../../db/sql';
import { ItemNotFoundError } from '../catalog/catalog.types';
import { ItemStatus } from '../catalog/item.entity';
import { ItemNotAvailableError } from '../circulation/circulation.types';
import { policySql } from '../circulation/policy';
import { LockedItem, lockItemByBarcode, lockItemWhere, routeFreeItem, setItemStatus, startTransit } from '../circulation/routing';
import { IllRequest } from './ill-request.entity';
import { illRequestsService } from './ill-requests.service';
import { eResourcesService } from '../eresources/eresources.service';
import { EResourceStatus } from '../eresources/eresource.entity';
import { EResourceNotFoundError } from '../eresources/eresources.types';
import { completeReturn, lendToRequester, releaseCopy } from './ill-circulation';
import { Step, advanceRota, commitStep, factsOf, lockRequest, roleOf, viewerActions, wasAsked } from './ill.core';
import { IllAction, IllSide, IllState, PATRON_ACTIONS, RotaOutcome, TRANSITIONS, Transition, transitionFor } from './ill.state-machine';
import { IllAnswer, IllRequestNotFoundError, IllegalTransitionError, ItemNotForRequestError, RespondToIllRequestInput } from './ill.types';

const BARCODE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
const MAX_DUE_DAYS = 365;

type Work = (em: EntityManager, req: IllRequest, t: Transition, side: IllSide) => Promise<IllRequest | ErrorResult>;

function note(raw: string | null | undefined, field = 'note'): string | null {
  return cleanText(raw, { field, max: 2000, multiline: true });
}

function parseDue(raw: Date | null | undefined, field: string): Date | null {
  if (raw === null || raw === undefined) return null;
  if (Number.isNaN(raw.getTime())) throw badInput(`${field} is not a time`, field);
  if (raw.getTime() <= Date.now()) throw badInput(`${field} must be in the future`, field);
  if (raw.getTime() > Date.now() + MAX_DUE_DAYS * 86_400_000) throw badInput(`${field} is more than a year away`, field);
  return raw;
}

/** The end of the lender's local day one loan period (its rule for institutions and this format) from today. */
async function lenderDueDate(em: EntityManager, lenderId: number, itemId: number): Promise<Date> {
  const rows = await preparedQuery<{ d: string }>(
    em,
    `select sn_end_of_local_day(lib.time_zone, pol.loan_days) d
       from libraries lib cross join items i join bib_records r on r.id = i.record_id
       cross join lateral (${policySql('lib.id', "'INSTITUTION'", 'r.format')}) pol
      where lib.id = ? and i.id = ?`,
    [lenderId, itemId],
  );
  return new Date(rows[0].d);
}

/** The copy of a request, locked before the request (the lock order every path keeps). */
function lockRequestItem(em: EntityManager, requestId: number): Promise<LockedItem | null> {
  return lockItemWhere(em, 'select item_id from ill_requests where id = ?', [requestId]);
}

const ANSWERS: Record<IllAnswer, IllAction> = {
  WILL_SUPPLY: IllAction.RESPOND_WILL_SUPPLY,
  EXPECT_TO_SUPPLY: IllAction.RESPOND_EXPECT_TO_SUPPLY,
  UNFILLED: IllAction.RESPOND_UNFILLED,
  CONDITIONAL: IllAction.RESPOND_CONDITIONAL,
  RETRY_POSSIBLE: IllAction.RESPOND_RETRY_POSSIBLE,
};

export class IllActionsService {
  /**
   * Runs one action: locks the request (after its copy, when `lockItem` says which), works out the
   * side the viewer plays, finds the transition in the state machine, and hands over to `work`, all in
   * one transaction. An action the state does not allow is ILLEGAL_TRANSITION with what is allowed.
   */
  private async act(ctx: Context, gid: string, action: IllAction, work: Work, lockItem?: (em: EntityManager, requestId: number) => Promise<unknown>) {
    const v = ctx.viewer;
    if (!v.isAuthenticated) throw unauthenticated('Sign in to act on inter-library requests.');
    const id = decodeIdOf('IllRequest', gid, 'requestId');
    return ctx.em.transactional(async (em) => {
      if (lockItem) await lockItem(em, id);
      const req = await lockRequest(em, id);
      if (!req) return new IllRequestNotFoundError();
      const role = roleOf(v, req);
      const sides = new Set(TRANSITIONS.filter((t) => t.action === action).map((t) => t.side));
      const plays: IllSide[] = [];
      if (sides.has('LENDER') && role.lender) plays.push('LENDER');
      if (sides.has('BORROWER') && (role.borrower || (role.patron && PATRON_ACTIONS.has(action)))) plays.push('BORROWER');
      if (plays.length === 0) {
        if (role.patron || role.borrower || role.lender) return new NotPermittedError(`The other side of the request takes ${action}.`);
        // a lender that had the request earlier (its answer may have raced a timeout): the state moved on
        if (v.isStaff && (await wasAsked(em, req.id, v.libraryId))) {
          return new IllegalTransitionError(action, req.requesterState, req.supplierState, viewerActions(v, req));
        }
        return v.isPatron ? new IllRequestNotFoundError() : new NotPermittedError('Your library takes no part in this request.');
      }
      // staff of both sides (network admins; a library lending to its own pickup point): the side of their library first
      const side = plays.length > 1 && v.libraryId !== null && v.libraryId === req.requestingLibraryId ? 'BORROWER' : plays[0];
      const t = transitionFor(action, side, factsOf(req)) ?? (plays.length > 1 ? transitionFor(action, plays[1], factsOf(req)) : null);
      if (!t) return new IllegalTransitionError(action, req.requesterState, req.supplierState, viewerActions(v, req));
      return work(em, req, t, t.side);
    });
  }

  private step(ctx: Context, em: EntityManager, req: IllRequest, s: Step) {
    return commitStep(em, ctx.viewer, req, s);
  }

  /** Borrower: cancels (at once while the lender has not committed; otherwise the lender confirms). */
  cancel(ctx: Context, gid: string, rawNote?: string | null) {
    const n = note(rawNote);
    return this.act(ctx, gid, IllAction.CANCEL, async (em, req, t, side) => {
      const done = t.to.kind === 'STATES' && t.to.requester === IllState.CANCELLED;
      return this.step(ctx, em, req, { transition: t, side, note: n, rota: done ? 'CANCELLED' : undefined, set: done ? [['closed_at', 'now()'], ['answer_due_at', 'null']] : [] });
    });
  }

  /** Lender: answers a request (will supply, expects to, on conditions, cannot, maybe later). */
  respond(ctx: Context, input: RespondToIllRequestInput) {
    const action = ANSWERS[input.answer];
    const n = note(input.note, 'input.note');
    if ((input.answer === IllAnswer.UNFILLED || input.answer === IllAnswer.RETRY_POSSIBLE) && !input.reason) {
      throw badInput('give the reason it cannot be supplied', 'input.reason');
    }
    if (input.answer === IllAnswer.CONDITIONAL && !n) throw badInput('give the conditions in note', 'input.note');
    if (input.costVnd !== null && input.costVnd !== undefined && (input.costVnd < 0 || input.costVnd > 100_000_000)) {
      throw badInput('costVnd must be between 0 and 100,000,000', 'input.costVnd');
    }
    return this.act(ctx, input.requestId, action, async (em, req, t, side) => {
      if (t.to.kind === 'NEXT_LENDER') {
        return advanceRota(em, ctx.viewer, req, { transition: t, side, note: n, outcome: t.to.outcome, reason: input.reason ?? null });
      }
      const set: Step['set'] = [['answer_due_at', 'null']];
      if (input.answer === IllAnswer.CONDITIONAL) set.push(['conditions_note', '?', n], ['conditions_cost_vnd', '?', input.costVnd ?? null]);
      const rota = input.answer === IllAnswer.WILL_SUPPLY ? 'SUPPLYING' : 'ASKED';
      return this.step(ctx, em, req, { transition: t, side, note: n, set, rota, data: { answer: input.answer, costVnd: input.costVnd ?? null } });
    });
  }

  /** Borrower: accepts the lender's conditions. */
  acceptConditions(ctx: Context, gid: string, rawNote?: string | null) {
    const n = note(rawNote);
    return this.act(ctx, gid, IllAction.ACCEPT_CONDITIONS, async (em, req, t, side) => {
      return this.step(ctx, em, req, { transition: t, side, note: n, rota: 'SUPPLYING' });
    });
  }

  /** Borrower: rejects the conditions; the request moves to the next lender. */
  rejectConditions(ctx: Context, gid: string, rawNote?: string | null) {
    const n = note(rawNote);
    return this.act(ctx, gid, IllAction.REJECT_CONDITIONS, (em, req, t, side) =>
      advanceRota(em, ctx.viewer, req, { transition: t, side, note: n, outcome: (t.to as { outcome: RotaOutcome }).outcome }),
    );
  }

  /** Lender: confirms (accept) or refuses a cancel the borrower asked for. */
  answerCancellation(ctx: Context, gid: string, accept: boolean, rawNote?: string | null) {
    const n = note(rawNote);
    return this.act(ctx, gid, accept ? IllAction.ACCEPT_CANCELLATION : IllAction.REJECT_CANCELLATION, async (em, req, t, side) => {
      return this.step(ctx, em, req, { transition: t, side, note: n, rota: accept ? 'CANCELLED' : undefined, set: accept ? [['closed_at', 'now()']] : [] });
    });
  }

  /**
   * Lender: sends a copy. It must be the lender's own, of the title asked for, allowed to travel and
   * on the shelf. It goes IN_TRANSIT to the pickup library, on loan to the borrowing library until
   * `dueAt` (default: the lender's loan period for institutions).
   */
  ship(ctx: Context, gid: string, rawBarcode: string, rawDue?: Date | null) {
    const barcode = (rawBarcode ?? '').trim();
    if (!BARCODE.test(barcode)) throw badInput('barcode is not valid', 'barcode');
    const due = parseDue(rawDue, 'dueAt');
    let item: LockedItem | null = null;
    return this.act(
      ctx,
      gid,
      IllAction.SHIP,
      async (em, req, t, side) => {
        if (!item) return new ItemNotFoundError(`No copy has the barcode ${barcode}.`);
        if (item.library_id !== req.lenderId) return new ItemNotForRequestError('The copy belongs to another library than the lender.');
        if (req.recordId !== null && item.record_id !== req.recordId) return new ItemNotForRequestError('The copy is of another title than the one requested.');
        if (!item.travels || !item.loanable) return new ItemNotForRequestError('The copy may not leave its library.');
        if (item.status !== ItemStatus.AVAILABLE) return new ItemNotAvailableError(item.status);
        const dueAt = due ?? (await lenderDueDate(em, item.library_id, item.id));
        const transitId = await startTransit(em, item, item.library_id, req.pickupLibraryId, 'ILL_SHIPMENT', null, req.id);
        return this.step(ctx, em, req, {
          transition: t,
          side,
          rota: 'SUPPLYING',
          set: [
            ['item_id', '?', item.id],
            ['due_at', '?', dueAt],
            ['shipped_at', 'now()'],
            ['answer_due_at', 'null'],
          ],
          data: { itemId: item.id, barcode: item.barcode, transitId, dueAt },
        });
      },
      async (em) => {
        item = await lockItemByBarcode(em, barcode);
      },
    );
  }

  /**
   * Lender: delivers the copy (scan) online, as a link or as an e-resource of the digital library
   * (published, so the borrower opens it under its access policy); the request is complete.
   */
  async deliverCopy(ctx: Context, gid: string, rawUrl: string | null | undefined, eResourceGid: string | null | undefined, rawNote?: string | null) {
    if ((rawUrl ? 1 : 0) + (eResourceGid ? 1 : 0) !== 1) throw badInput('give exactly one of url and eResourceId', 'url');
    let url: string | null = null;
    let eResourceId: number | null = null;
    if (rawUrl) {
      let parsed: URL;
      try {
        parsed = new URL(requireText(rawUrl, { field: 'url', max: 2000 }));
      } catch (err) {
        if (err instanceof Error && 'extensions' in err) throw err;
        throw badInput('url is not a URL', 'url');
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw badInput('url must be http or https', 'url');
      url = parsed.toString();
    } else {
      eResourceId = decodeIdOf('EResource', eResourceGid!, 'eResourceId');
      const r = await eResourcesService.get(ctx, eResourceId);
      if (!r || r.status !== EResourceStatus.PUBLISHED) return new EResourceNotFoundError();
    }
    const n = note(rawNote);
    return this.act(ctx, gid, IllAction.DELIVER_COPY, async (em, req, t, side) => {
      return this.step(ctx, em, req, {
        transition: t,
        side,
        note: n,
        rota: 'SUPPLIED',
        set: [
          ['delivery_url', '?', url],
          ['delivery_eresource_id', '?', eResourceId],
          ['shipped_at', 'now()'],
          ['received_at', 'now()'],
          ['closed_at', 'now()'],
          ['answer_due_at', 'null'],
        ],
        data: { deliveryUrl: url, eResourceId },
      });
    });
  }

  /** Borrower: the copy arrived; it is lent to the reader (or to the library) with the lender's due date. */
  receive(ctx: Context, gid: string) {
    let item: LockedItem | null = null;
    return this.act(
      ctx,
      gid,
      IllAction.RECEIVE,
      async (em, req, t, side) => {
        if (!item) return new ItemNotFoundError('The request has no copy.');
        const loanId = await lendToRequester(em, ctx.viewer, req, item);
        return this.step(ctx, em, req, { transition: t, side, set: [['received_at', 'now()'], ['loan_id', '?', loanId]], data: { loanId } });
      },
      async (em, id) => {
        item = await lockRequestItem(em, id);
      },
    );
  }

  /** Borrower: sends the copy back to the lender (ShippedReturn); a loan still open is closed. */
  returnItem(ctx: Context, gid: string, rawNote?: string | null) {
    const n = note(rawNote);
    let item: LockedItem | null = null;
    return this.act(
      ctx,
      gid,
      IllAction.RETURN,
      async (em, req, t, side) => {
        if (!item) return new ItemNotFoundError('The request has no copy.');
        await releaseCopy(em, item.id, req.pickupLibraryId);
        const transitId = await startTransit(em, item, req.pickupLibraryId, item.library_id, 'ILL_RETURN', null, req.id);
        return this.step(ctx, em, req, {
          transition: t,
          side,
          note: n,
          set: [
            ['return_shipped_at', 'now()'],
            ['renewal_requested_at', 'null'],
          ],
          data: { transitId },
        });
      },
      async (em, id) => {
        item = await lockRequestItem(em, id);
      },
    );
  }

  /** Lender: the copy is back; the request is complete and the copy goes to its next hold or the shelf. */
  checkInReturned(ctx: Context, gid: string) {
    let item: LockedItem | null = null;
    return this.act(
      ctx,
      gid,
      IllAction.CHECK_IN_RETURNED,
      async (em, req) => {
        if (!item) return new ItemNotFoundError('The request has no copy.');
        await releaseCopy(em, item.id, req.lenderId);
        const done = (await completeReturn(em, ctx.viewer, req, 'request'))!;
        // the copy is home: as on any return, it may fill a hold here or elsewhere
        await routeFreeItem(em, item, item.library_id);
        return done;
      },
      async (em, id) => {
        item = await lockRequestItem(em, id);
      },
    );
  }

  /** Borrower: asks the lender for more time. */
  requestRenewal(ctx: Context, gid: string, rawNote?: string | null) {
    const n = note(rawNote);
    return this.act(ctx, gid, IllAction.REQUEST_RENEWAL, (em, req, t, side) =>
      this.step(ctx, em, req, { transition: t, side, note: n, set: [['renewal_requested_at', 'now()'], ['renewal_note', '?', n]] }),
    );
  }

  /** Lender: grants (a new due date, default one more loan period from today) or refuses a renewal. */
  answerRenewal(ctx: Context, gid: string, approve: boolean, rawDue?: Date | null, rawNote?: string | null) {
    const n = note(rawNote);
    const due = parseDue(rawDue, 'dueAt');
    return this.act(ctx, gid, approve ? IllAction.APPROVE_RENEWAL : IllAction.DENY_RENEWAL, async (em, req, t, side) => {
      if (!approve) return this.step(ctx, em, req, { transition: t, side, note: n, set: [['renewal_requested_at', 'null']] });
      const dueAt = due ?? (await lenderDueDate(em, req.lenderId!, req.itemId!));
      if (req.dueAt && dueAt.getTime() <= req.dueAt.getTime()) throw badInput('the new due date must be later than the current one', 'dueAt');
      if (req.loanId !== null) {
        await query(em, `update loans set due_at = ?, overdue = false where id = ? and returned_at is null`, [dueAt, req.loanId]);
      }
      return this.step(ctx, em, req, {
        transition: t,
        side,
        note: n,
        set: [
          ['due_at', '?', dueAt],
          ['renewals', 'renewals + 1'],
          ['renewal_requested_at', 'null'],
        ],
        data: { dueAt },
      });
    });
  }

  /** Lender: needs the copy back early. */
  recall(ctx: Context, gid: string, rawNote?: string | null) {
    const n = note(rawNote);
    return this.act(ctx, gid, IllAction.RECALL, (em, req, t, side) => this.step(ctx, em, req, { transition: t, side, note: n, set: [['renewal_requested_at', 'null']] }));
  }

  /** Borrower: the copy is lost. The lender's copy becomes MISSING; the request ends (CompletedWithoutReturn). */
  markLost(ctx: Context, gid: string, rawNote?: string | null) {
    const n = note(rawNote);
    let item: LockedItem | null = null;
    return this.act(
      ctx,
      gid,
      IllAction.MARK_LOST,
      async (em, req, t, side) => {
        if (item) {
          await releaseCopy(em, item.id, null);
          await setItemStatus(em, item, ItemStatus.MISSING);
        }
        return this.step(ctx, em, req, { transition: t, side, note: n, rota: 'SUPPLIED', set: [['closed_at', 'now()'], ['renewal_requested_at', 'null']] });
      },
      async (em, id) => {
        item = await lockRequestItem(em, id);
      },
    );
  }

  /** Either side: a message to the other library. */
  message(ctx: Context, gid: string, rawNote: string) {
    const n = requireText(rawNote, { field: 'note', max: 4000, multiline: true });
    return this.act(ctx, gid, IllAction.SEND_MESSAGE, (em, req, t, side) => this.step(ctx, em, req, { transition: t, side, note: n, isMessage: true }));
  }

  /** Marks every message of a request read for the viewer's library. */
  async markMessagesRead(ctx: Context, gid: string) {
    const v = ctx.viewer;
    if (!v.isAuthenticated) throw unauthenticated();
    const id = decodeIdOf('IllRequest', gid, 'requestId');
    const rows = await query<Record<string, unknown>>(ctx.em, `select id, requesting_library_id, pickup_library_id, lender_id from ill_requests where id = ?`, [id]);
    if (!rows[0]) return new IllRequestNotFoundError();
    if (!v.isStaff || v.libraryId === null) return new NotPermittedError('Messages are read by the staff of a library taking part.');
    const party = [rows[0].requesting_library_id, rows[0].pickup_library_id, rows[0].lender_id].map(Number).includes(v.libraryId) || (await wasAsked(ctx.em, id, v.libraryId));
    if (!party) return new NotPermittedError('Your library takes no part in this request.');
    await query(
      ctx.em,
      `insert into ill_message_reads (request_id, library_id, last_read_id)
       select ?, ?, coalesce(max(id), 0) from ill_history where request_id = ?
       on conflict (request_id, library_id) do update set last_read_id = greatest(ill_message_reads.last_read_id, excluded.last_read_id)`,
      [id, v.libraryId, id],
    );
    return (await illRequestsService.visible(ctx, id)) ?? new IllRequestNotFoundError();
  }
}

export const illActionsService = new IllActionsService();
