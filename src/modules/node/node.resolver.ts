import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { decodeGlobalId } from '../../common/ids';
import { Node } from '../../common/node.types';
import type { Context } from '../../server/context';
import { Account } from '../auth/account.entity';
import { catalogService } from '../catalog/catalog.service';

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global id (null when it does not exist or is not visible).' })
  async node(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<object | null> {
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
    }
  }
}
