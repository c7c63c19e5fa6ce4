import { Arg, Ctx, Field, InputType, Int, Mutation, Resolver } from 'type-graphql';
import { NotPermittedError, resultUnion } from '../../common/error-results';
import { badInput, unauthenticated } from '../../common/errors';
import type { Context } from '../../server/context';
import { query } from '../../db/sql';
import { audit } from '../audit/audit.service';
import { StaffRole } from '../auth/account.entity';
import { RecordFormat } from '../catalog/record.entity';
import { librariesService } from '../libraries/libraries.service';
import { PatronCategory } from '../patrons/patron.entity';
import { CirculationPolicyType } from './circulation.types';
import { effectivePolicy } from './policy';

@InputType({ description: 'Lending rules for a library × patron category × format (omitted = any).' })
export class SetCirculationPolicyInput {
  @Field(() => String, { nullable: true, description: "The library (its LIBRARY_ADMIN); omitted: the network's rule (NETWORK_ADMIN)." })
  libraryCode?: string | null;

  @Field(() => PatronCategory, { nullable: true, description: 'Only for this patron category (omitted: any).' })
  patronCategory?: PatronCategory | null;

  @Field(() => RecordFormat, { nullable: true, description: 'Only for this format (omitted: any).' })
  format?: RecordFormat | null;

  @Field(() => Int, { description: 'Loan period in days (1-365).' }) loanDays!: number;
  @Field(() => Int, { description: 'Renewals allowed (0-50).' }) maxRenewals!: number;
  @Field(() => Int, { description: 'Open loans per patron (0-1000).' }) maxLoans!: number;
  @Field(() => Int, { description: 'Active holds per patron (0-1000).' }) maxHolds!: number;
  @Field(() => Int, { description: 'Days on the hold shelf (1-60).' }) holdShelfDays!: number;
  @Field({ description: 'Whether holds may be placed.' }) holdsAllowed!: boolean;
  @Field(() => Int, { nullable: true, description: 'Fine per overdue day in VND (default 0).' }) finePerDay?: number | null;
  @Field(() => Int, { nullable: true, description: 'Loans overdue longer than this cannot be renewed (default 30).' })
  renewOverdueMaxDays?: number | null;
}

const isPolicy = (v: unknown) => typeof v === 'object' && v !== null && 'loanDays' in v;
export const SetCirculationPolicyResult = resultUnion(
  'SetCirculationPolicyResult',
  'The rule now in force for that combination, or why it was refused.',
  { entity: isPolicy, type: CirculationPolicyType },
  [NotPermittedError],
);

function range(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw badInput(`${name} must be between ${min} and ${max}`, `input.${name}`);
  return v;
}

@Resolver()
export class PolicyResolver {
  @Mutation(() => SetCirculationPolicyResult, {
    description: 'Sets a lending rule (library admins for their library, network admins for any library and the network default).',
  })
  async setCirculationPolicy(
    @Ctx() ctx: Context,
    @Arg('input', () => SetCirculationPolicyInput, { description: 'The rule.' }) input: SetCirculationPolicyInput,
  ) {
    const v = ctx.viewer;
    if (!v.isStaff) throw unauthenticated('Sign in as an administrator.');
    const lib = input.libraryCode ? (await librariesService.requireCodes(ctx, [input.libraryCode], 'input.libraryCode'))[0] : null;
    const allowed = v.isNetworkAdmin || (lib !== null && v.role === StaffRole.LIBRARY_ADMIN && v.libraryId === lib.id);
    if (!allowed) return new NotPermittedError('Library admins set the rules of their library; network admins those of the network.');
    const values = [
      range('loanDays', input.loanDays, 1, 365),
      range('maxRenewals', input.maxRenewals, 0, 50),
      range('maxLoans', input.maxLoans, 0, 1000),
      range('maxHolds', input.maxHolds, 0, 1000),
      range('holdShelfDays', input.holdShelfDays, 1, 60),
      input.holdsAllowed,
      range('finePerDay', input.finePerDay ?? 0, 0, 10_000_000),
      range('renewOverdueMaxDays', input.renewOverdueMaxDays ?? 30, 0, 3650),
    ];
    return ctx.em.transactional(async (em) => {
      await query(
        em,
        `insert into circulation_policies (library_id, patron_category, format, loan_days, max_renewals, max_loans, max_holds,
                                           hold_shelf_days, holds_allowed, fine_per_day, renew_overdue_max_days)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (library_id, patron_category, format) do update set
           loan_days = excluded.loan_days, max_renewals = excluded.max_renewals, max_loans = excluded.max_loans,
           max_holds = excluded.max_holds, hold_shelf_days = excluded.hold_shelf_days, holds_allowed = excluded.holds_allowed,
           fine_per_day = excluded.fine_per_day, renew_overdue_max_days = excluded.renew_overdue_max_days`,
        [lib?.id ?? null, input.patronCategory ?? null, input.format ?? null, ...values],
      );
      await audit({ em, viewer: v }, {
        action: 'setCirculationPolicy',
        entity: 'CirculationPolicy',
        entityId: null,
        libraryId: lib?.id ?? null,
        after: { libraryCode: lib?.code ?? null, patronCategory: input.patronCategory ?? null, format: input.format ?? null, values },
      });
      // what a desk of that library (or any, for the network rule) now gets for this combination
      const p = await effectivePolicy(em, lib?.id ?? 0, input.patronCategory ?? PatronCategory.ADULT, input.format ?? RecordFormat.BOOK);
      return { ...p, librarySpecific: p.libraryId !== null };
    });
  }
}
