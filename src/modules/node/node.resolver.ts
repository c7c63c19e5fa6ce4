import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { decodeGlobalId } from '../../common/ids';
import { Node } from '../../common/node.types';
import type { Context } from '../../server/context';
import { Account } from '../auth/account.entity';
import { catalogService } from '../catalog/catalog.service';
import { circulationQueries } from '../circulation/circulation.queries';
import { Hold } from '../circulation/hold.entity';
import { Loan } from '../circulation/loan.entity';
import { Transit } from '../circulation/transit.entity';
import { illRequestsService } from '../sharing/ill-requests.service';

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global id (null when it does not exist or is not visible).' })
  async node(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'Global id of any object.' }) id: string): Promise<object | null> {
    const { type, id: local } = decodeGlobalId(id);
    switch (type) {
      case 'Library':
        return ctx.loaders.libraryById.load(local);
      case 'BibliographicRecord':
        return catalogService.record(ctx, local);
      case 'Item':
        return ctx.loaders.itemById.load(local);
      case 'StaffAccount':
        // staff accounts are visible to their owner and network admins only
        if (!(ctx.viewer.isNetworkAdmin || ctx.viewer.accountId === local)) return null;
        return ctx.em.findOne(Account, { id: local });
      case 'Patron':
        return circulationQueries.visiblePatron(ctx, local);
      case 'Loan': {
        const loan = await ctx.em.findOne(Loan, { id: local });
        return loan && (ctx.viewer.worksAt(loan.libraryId) || (ctx.viewer.isPatron && ctx.viewer.patronId === loan.patronId)) ? loan : null;
      }
      case 'Hold': {
        const hold = await ctx.em.findOne(Hold, { id: local });
        return hold && (await circulationQueries.visiblePatron(ctx, hold.patronId, hold.pickupLibraryId)) ? hold : null;
      }
      case 'Transit': {
        const t = await ctx.em.findOne(Transit, { id: local });
        return t && (ctx.viewer.worksAt(t.fromLibraryId) || ctx.viewer.worksAt(t.toLibraryId)) ? t : null;
      }
      case 'IllRequest':
        return illRequestsService.visible(ctx, local);
    }
  }
}
