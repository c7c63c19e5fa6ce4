import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { resultUnion } from '../../common/error-results';
import { toGlobalId } from '../../common/ids';
import type { Context } from '../../server/context';
import { LibraryType } from '../libraries/library.types';
import { Account } from './account.entity';
import { AuthPayload, InvalidCredentialsError, MeType, StaffAccountType, ViewerKind } from './auth.types';
import type { AuthService, LoginSuccess } from './auth.service';

export const LoginResult = resultUnion<LoginSuccess>(
  'LoginResult',
  'A token, or why signing in failed.',
  { entity: (v: unknown) => typeof v === 'object' && v !== null && 'token' in v, type: AuthPayload },
  [InvalidCredentialsError],
);

export function authResolvers(auth: AuthService) {
  @Resolver(() => StaffAccountType)
  class AuthResolver {
    @Mutation(() => LoginResult, { description: 'Signs a staff member in; returns an access token.' })
    login(
      @Ctx() ctx: Context,
      @Arg('username', () => String, { description: 'Login name.' }) username: string,
      @Arg('password', () => String, { description: 'Password of the account.' }) password: string,
    ) {
      return auth.login(ctx, username, password);
    }

    @Query(() => MeType, { nullable: true, description: 'Who is asking; null when not signed in.' })
    async me(@Ctx() ctx: Context) {
      if (ctx.viewer.isPatron) return { kind: ViewerKind.PATRON, account: null };
      const account = await auth.me(ctx);
      return account ? { kind: ViewerKind.STAFF, account } : null;
    }

    @FieldResolver(() => ID, { description: 'Opaque global id.' })
    id(@Root() a: Account) {
      return toGlobalId('StaffAccount', a.id);
    }

    @FieldResolver(() => LibraryType, { nullable: true, description: 'The library the account works for (null: network admin).' })
    library(@Root() a: Account, @Ctx() ctx: Context) {
      return a.library ? ctx.loaders.libraryById.load(a.library.id) : null;
    }
  }
  return [AuthResolver];
}
