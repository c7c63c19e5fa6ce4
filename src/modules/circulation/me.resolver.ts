import { Arg, Ctx, FieldResolver, Int, Mutation, Resolver } from 'type-graphql';
import { forbidden } from '../../common/errors';
import { query } from '../../db/sql';
import { audit } from '../audit/audit.service';
import type { Context } from '../../server/context';
import { MeType } from '../auth/auth.types';
import { PatronType } from '../patrons/patron.types';
import { circulationQueries } from './circulation.queries';
import { HoldType, LoanConnection, LoanStatus, LoanType } from './circulation.types';

/** The patron's own account ("my loans and holds"); empty for staff viewers. */
@Resolver(() => MeType)
export class MeResolver {
  @FieldResolver(() => PatronType, { nullable: true, description: 'The patron, for patron viewers.' })
  patron(@Ctx() ctx: Context) {
    return ctx.viewer.isPatron ? ctx.loaders.patronById.load(ctx.viewer.patronId!) : null;
  }

  @FieldResolver(() => [LoanType], { description: 'Open loans, by due date (patrons).' })
  loans(
    @Ctx() ctx: Context,
    @Arg('status', () => LoanStatus, { nullable: true, description: 'Only ACTIVE or only OVERDUE loans.' }) status: LoanStatus | null,
  ) {
    return circulationQueries.myLoans(ctx, status);
  }

  @FieldResolver(() => [HoldType], { description: 'Active holds (waiting, in transit, ready), oldest first (patrons).' })
  holds(@Ctx() ctx: Context) {
    return circulationQueries.myHolds(ctx);
  }

  @FieldResolver(() => LoanConnection, { description: 'Returned loans, newest first (patrons who keep their history).' })
  loanHistory(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    return circulationQueries.myLoanHistory(ctx, first, after);
  }

  @Mutation(() => PatronType, {
    description:
      'The signed-in patron keeps (true) or stops keeping (false) a loan history. Turning it off anonymises loans already ' +
      'returned (those with an unpaid fine stay linked) and every later one at its return.',
  })
  async setKeepLoanHistory(@Ctx() ctx: Context, @Arg('keep', { description: 'Keep the history.' }) keep: boolean) {
    if (!ctx.viewer.isPatron) throw forbidden('Only a signed-in patron sets their own history preference.');
    const id = ctx.viewer.patronId!;
    await ctx.em.transactional(async (em) => {
      await query(em, 'update patrons set keep_loan_history = ?, updated_at = now() where id = ?', [keep, id]);
      if (!keep) {
        await query(
          em,
          `update loans set patron_id = null, anonymised = true
            where patron_id = ? and returned_at is not null and coalesce(fine_vnd, 0) = 0`,
          [id],
        );
      }
      await audit({ em, viewer: ctx.viewer }, { action: 'setKeepLoanHistory', entity: 'Patron', entityId: id, after: { keepLoanHistory: keep } });
    });
    ctx.loaders.patronById.clear(id);
    return ctx.loaders.patronById.load(id);
  }

  @FieldResolver(() => Int, { description: 'Fines recorded on returned loans, in VND.' })
  finesOwed(@Ctx() ctx: Context) {
    return circulationQueries.myFinesOwed(ctx);
  }
}
