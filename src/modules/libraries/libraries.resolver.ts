import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { toGlobalId } from '../../common/ids';
import type { Context } from '../../server/context';
import { Library } from './library.entity';
import { LibraryConnection, LibraryFilter, LibraryType } from './library.types';
import { librariesService } from './libraries.service';

@Resolver(() => LibraryType)
export class LibrariesResolver {
  @Query(() => LibraryConnection, { description: 'Member libraries of the network, ordered by code.' })
  async libraries(
    @Ctx() ctx: Context,
    @Arg('filter', () => LibraryFilter, { nullable: true, description: 'Conditions every library must meet.' }) filter: LibraryFilter | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    return librariesService.list(ctx, filter ?? {}, first, after);
  }

  @Query(() => LibraryType, { nullable: true, description: 'A library by its code (null when there is none).' })
  library(@Ctx() ctx: Context, @Arg('code', () => String, { description: 'Library code, e.g. BDI-PL.' }) code: string) {
    return librariesService.byCode(ctx, code);
  }

  @FieldResolver(() => ID, { description: 'Opaque global id.' })
  id(@Root() l: Library) {
    return toGlobalId('Library', l.id);
  }

  @FieldResolver(() => LibraryType, { nullable: true, description: 'The library above this one (null for the head).' })
  parent(@Root() l: Library, @Ctx() ctx: Context) {
    return l.parent ? ctx.loaders.libraryById.load(l.parent.id) : null;
  }
}
