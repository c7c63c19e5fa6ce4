import type { EntityManager } from '@mikro-orm/postgresql';
import { NotPermittedError } from '../../common/error-results';
import { decodeGlobalId } from '../../common/ids';
import { badInput } from '../../common/errors';
import { query } from '../../db/sql';
import type { Context } from '../../server/context';
import { audit } from '../audit/audit.service';
import { effectivePolicy } from '../circulation/policy';
import { emitEvent } from '../events/outbox';
import { AccessPolicy, DigitalLoan, EFile, EResource, EResourceStatus } from './eresource.entity';
import { actorsOf, isVisible, lockResource } from './eresources.service';
import {
  AlreadyBorrowedError,
  DigitalLoanNotFoundError,
  DigitalLoanRequiredError,
  EResourceNotFoundError,
  LimitExceededError,
  NoLicenseError,
  NotLendableError,
} from './eresources.types';
import { runtime } from './runtime';
import { UsageAction, clientIp, logUsage } from './usage.service';

export interface OpenedAccess {
  url: string;
  expiresAt: Date | null;
  files: { file: EFile; url: string }[];
}

/** Today in the network's time zone (licence periods are whole local days). */
const LOCAL_TODAY = `(now() at time zone 'Asia/Ho_Chi_Minh')::date`;

async function onSite(em: EntityManager, libraryId: number, address: string | null): Promise<boolean> {
  const ip = clientIp(address);
  if (!ip || !/^[0-9a-fA-F:.]{2,45}$/.test(ip)) return false;
  const rows = await query<{ ok: boolean }>(
    em,
    `select exists (select 1 from library_ip_ranges where library_id = ? and ?::inet <<= range) ok`,
    [libraryId, ip],
  );
  return rows[0].ok;
}

/** Lendable: the licence limits concurrent readers, so readers borrow it (digital loans). */
export function isLendable(r: EResource): boolean {
  return r.licenceConcurrentUsers !== null;
}

export class AccessService {
  /**
   * Whether the viewer may open the resource now under its access policy and licence (period,
   * on-site flag); null when they may, else the refusal. Staff of the owning library and the
   * contributing agency may open what they prepare before it is published.
   */
  async check(ctx: Context, em: EntityManager, r: EResource): Promise<NoLicenseError | null> {
    const v = ctx.viewer;
    const actors = await actorsOf(ctx, r);
    if (r.status !== EResourceStatus.PUBLISHED) {
      return actors.length ? null : new NoLicenseError('This e-resource is not published.', r.accessPolicy);
    }
    const period = await query<{ ok: boolean }>(
      em,
      `select (?::date is null or ?::date <= ${LOCAL_TODAY}) and (?::date is null or ?::date >= ${LOCAL_TODAY}) ok`,
      [r.licenceStartsOn, r.licenceStartsOn, r.licenceEndsOn, r.licenceEndsOn],
    );
    if (!period[0].ok) return new NoLicenseError('The licence of this e-resource does not cover today.', r.accessPolicy);
    if (r.licenceOnSiteOnly && !(await onSite(em, r.libraryId, ctx.clientAddress))) {
      return new NoLicenseError('The licence allows reading only inside the library (its network).', r.accessPolicy);
    }
    const patronOk = async (home: boolean) => {
      if (!v.isPatron) return false;
      const rows = await query<{ ok: boolean }>(
        em,
        `select status = 'ACTIVE' and expires_on >= ${LOCAL_TODAY} and (not ? or home_library_id = ?) ok from patrons where id = ?`,
        [home, r.libraryId, v.patronId],
      );
      return rows[0]?.ok === true;
    };
    switch (r.accessPolicy) {
      case AccessPolicy.PUBLIC:
        return null;
      case AccessPolicy.NETWORK_PATRONS:
        return v.isStaff || (await patronOk(false)) ? null : new NoLicenseError('Sign in with a library card of the network (an active one).', r.accessPolicy);
      case AccessPolicy.HOME_PATRONS:
        return v.isStaff || (await patronOk(true))
          ? null
          : new NoLicenseError('Only readers whose home library owns this e-resource may open it.', r.accessPolicy);
      case AccessPolicy.ON_SITE:
        return actors.includes('staff') || (await onSite(em, r.libraryId, ctx.clientAddress))
          ? null
          : new NoLicenseError('This e-resource can be read only inside the library that owns it.', r.accessPolicy);
      case AccessPolicy.STAFF_ONLY:
        return v.isStaff ? null : new NoLicenseError('Only library staff may open this e-resource.', r.accessPolicy);
    }
  }

  /** Signed, short-lived links to the resource's files (or its external URL), if the viewer may open it now. */
  async open(ctx: Context, gid: string): Promise<OpenedAccess | EResourceNotFoundError | NoLicenseError | DigitalLoanRequiredError> {
    const id = resourceId(gid);
    const r = await ctx.loaders.eResourceById.load(id);
    if (!r || !(await isVisible(ctx, r))) return new EResourceNotFoundError();
    const denied = await this.check(ctx, ctx.em, r);
    if (denied) {
      await logUsage(ctx, r, UsageAction.NO_LICENSE);
      return denied;
    }
    if (isLendable(r)) {
      const loan = ctx.viewer.isPatron
        ? await query<{ id: string }>(ctx.em, `select id from e_loans where e_resource_id = ? and patron_id = ? and returned_at is null and due_at > now()`, [
            r.id,
            ctx.viewer.patronId,
          ])
        : [];
      if (!loan.length) return new DigitalLoanRequiredError();
    }
    const files = await ctx.loaders.eFilesByResource.load(r.id);
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + ctx.config.eresourceLinkTtlSeconds * 1000);
    const { signer } = runtime(ctx.config);
    const base = ctx.config.publicUrl ?? '';
    const signed = files.map((file) => ({ file, url: base + signer.sign(file.id, expiresAt) }));
    if (r.status === EResourceStatus.PUBLISHED) await logUsage(ctx, r, UsageAction.REQUEST);
    if (!signed.length && r.externalUrl) return { url: r.externalUrl, expiresAt: null, files: [] };
    if (!signed.length) return new EResourceNotFoundError('This e-resource has no file to open.');
    return { url: signed[0].url, expiresAt, files: signed };
  }

  /** Lends a licensed e-resource to the signed-in patron within its concurrent-user limit. */
  async borrow(
    ctx: Context,
    gid: string,
  ): Promise<DigitalLoan | EResourceNotFoundError | NoLicenseError | LimitExceededError | NotLendableError | AlreadyBorrowedError | NotPermittedError> {
    const id = resourceId(gid);
    const v = ctx.viewer;
    if (!v.isPatron) return new NotPermittedError('Only a signed-in patron borrows e-resources.');
    return ctx.em.transactional(async (em) => {
      // the resource row is the licence counter's lock: concurrent borrows of it queue here
      const r = await lockResource(em, id);
      if (!r || r.status !== EResourceStatus.PUBLISHED || !(await isVisible(ctx, r))) return new EResourceNotFoundError();
      if (!isLendable(r)) return new NotLendableError();
      const denied = await this.check(ctx, em, r);
      if (denied) {
        await logUsage({ ...ctx, em }, r, UsageAction.NO_LICENSE);
        return denied;
      }
      // a loan past its due date ended then, whether or not the expiry job has run yet
      await query(em, `update e_loans set returned_at = due_at, ended_by = 'EXPIRED' where e_resource_id = ? and returned_at is null and due_at <= now()`, [r.id]);
      const mine = await em.find(DigitalLoan, { eResourceId: r.id, patronId: v.patronId!, returnedAt: null });
      if (mine[0]) return new AlreadyBorrowedError('You already have this e-resource on loan.', mine[0]);
      const open = await query<{ n: string; next: Date | null }>(
        em,
        `select count(*) n, min(due_at) next from e_loans where e_resource_id = ? and returned_at is null`,
        [r.id],
      );
      if (Number(open[0].n) >= r.licenceConcurrentUsers!) {
        await logUsage({ ...ctx, em }, r, UsageAction.LIMIT_EXCEEDED);
        return new LimitExceededError(
          `All ${r.licenceConcurrentUsers} licences of this e-resource are lent out now.`,
          r.licenceConcurrentUsers!,
          open[0].next === null ? null : new Date(open[0].next),
        );
      }
      let days = r.loanDays;
      if (days === null) {
        const cat = await query<{ category: string }>(em, 'select category from patrons where id = ?', [v.patronId]);
        days = (await effectivePolicy(em, r.libraryId, cat[0].category, 'DIGITAL')).loanDays;
      }
      const rows = await query<Record<string, unknown>>(
        em,
        `insert into e_loans (e_resource_id, patron_id, library_id, due_at) values (?, ?, ?, now() + make_interval(days => ?)) returning *`,
        [r.id, v.patronId, r.libraryId, days],
      );
      const loan = em.map(DigitalLoan, rows[0]);
      await audit({ em, viewer: v }, { action: 'eresource.borrow', entity: 'DigitalLoan', entityId: loan.id, libraryId: r.libraryId, after: { eResourceId: r.id, dueAt: loan.dueAt } });
      await emitEvent(em, {
        type: 'eresource.loan.created',
        libraryIds: [r.libraryId],
        entity: 'DigitalLoan',
        entityId: loan.id,
        payload: { loanId: loan.id, eResourceId: r.id, patronId: v.patronId, dueAt: loan.dueAt },
      });
      return loan;
    });
  }

  /** Ends a digital loan early (the patron, or staff of the owning library); `id` is the loan's or the e-resource's. */
  async return(ctx: Context, gid: string): Promise<DigitalLoan | DigitalLoanNotFoundError> {
    const d = decodeGlobalId(gid, 'id');
    if (d.type !== 'DigitalLoan' && d.type !== 'EResource') throw badInput('id is not the id of a DigitalLoan or an EResource', 'id');
    const v = ctx.viewer;
    return ctx.em.transactional(async (em) => {
      const rows =
        d.type === 'DigitalLoan'
          ? await query<Record<string, unknown>>(em, `select * from e_loans where id = ? and returned_at is null for update`, [d.id])
          : v.isPatron
            ? await query<Record<string, unknown>>(em, `select * from e_loans where e_resource_id = ? and patron_id = ? and returned_at is null for update`, [d.id, v.patronId])
            : [];
      const loan = rows[0] ? em.map(DigitalLoan, rows[0]) : null;
      if (!loan || !((v.isPatron && v.patronId === loan.patronId) || (v.isStaff && v.worksAt(loan.libraryId)))) return new DigitalLoanNotFoundError();
      const upd = await query<Record<string, unknown>>(
        em,
        `update e_loans set returned_at = least(now(), due_at), ended_by = case when due_at <= now() then 'EXPIRED' else 'RETURNED' end
          where id = ? returning *`,
        [loan.id],
      );
      const ended = em.map(DigitalLoan, upd[0]);
      await audit({ em, viewer: v }, { action: 'eresource.return', entity: 'DigitalLoan', entityId: loan.id, libraryId: loan.libraryId, after: { endedBy: ended.endedBy } });
      await emitEvent(em, {
        type: 'eresource.loan.ended',
        libraryIds: [loan.libraryId],
        entity: 'DigitalLoan',
        entityId: loan.id,
        payload: { loanId: loan.id, eResourceId: loan.eResourceId, endedBy: ended.endedBy },
      });
      return ended;
    });
  }
}

function resourceId(gid: string): number {
  const d = decodeGlobalId(gid, 'id');
  if (d.type !== 'EResource') throw badInput('id is not the id of a EResource', 'id');
  return d.id;
}

export const accessService = new AccessService();
