import { Arg, Ctx, FieldResolver, Int, Resolver } from 'type-graphql';
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

  @FieldResolver(() => Int, { description: 'Fines recorded on returned loans, in VND.' })
  finesOwed(@Ctx() ctx: Context) {
    return circulationQueries.myFinesOwed(ctx);
  }
}
