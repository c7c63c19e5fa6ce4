import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, createUnionType } from 'type-graphql';
import { NotPermittedError, resultUnion } from '../../common/error-results';
import { toGlobalId } from '../../common/ids';
import type { Context } from '../../server/context';
import { UnknownLibraryError } from '../catalog/catalog.types';
import { LibraryType } from '../libraries/library.types';
import { PatronAuthPayload } from '../patrons/patrons.resolver';
import { Account } from './account.entity';
import { ApiClientRow, apiClientGlobalId, apiClientsService } from './api-clients.service';
import {
  ApiClientConnection,
  ApiClientCreated,
  ApiClientNotFoundError,
  ApiClientType,
  AuthPayload,
  CreateApiClientInput,
  InvalidCredentialsError,
  InvalidRefreshTokenError,
  MeType,
  StaffAccountType,
  TooManyAttemptsError,
  ViewerKind,
} from './auth.types';
import type { AuthService, LoginSuccess } from './auth.service';

const isPair = (v: unknown) => typeof v === 'object' && v !== null && 'token' in v;

export const LoginResult = resultUnion<LoginSuccess>('LoginResult', 'A token, or why signing in failed.', { entity: isPair, type: AuthPayload }, [
  InvalidCredentialsError,
  TooManyAttemptsError,
]);

export const RefreshTokenResult = createUnionType({
  name: 'RefreshTokenResult',
  description: 'A new access token and refresh token (staff: AuthPayload, patrons: PatronAuthPayload), or why the refresh token no longer works.',
  types: () => [AuthPayload, PatronAuthPayload, InvalidRefreshTokenError] as const,
  resolveType: (v) => (v instanceof InvalidRefreshTokenError ? InvalidRefreshTokenError : 'patron' in v ? PatronAuthPayload : AuthPayload),
});

export const CreateApiClientResult = resultUnion(
  'CreateApiClientResult',
  'The new client with its key (shown once), or why it was refused.',
  { entity: (v: unknown) => typeof v === 'object' && v !== null && 'apiKey' in v, type: ApiClientCreated },
  [UnknownLibraryError, NotPermittedError],
);

export const RevokeApiClientResult = resultUnion(
  'RevokeApiClientResult',
  'The revoked client, or why it was refused.',
  { entity: (v: unknown) => typeof v === 'object' && v !== null && 'keyPrefix' in v, type: ApiClientType },
  [ApiClientNotFoundError, NotPermittedError],
);

export function authResolvers(auth: AuthService) {
  @Resolver(() => StaffAccountType)
  class AuthResolver {
    @Mutation(() => LoginResult, { description: 'Signs a staff member in; returns a short-lived access token and a refresh token.' })
    login(
      @Ctx() ctx: Context,
      @Arg('username', () => String, { description: 'Login name.' }) username: string,
      @Arg('password', () => String, { description: 'Password of the account.' }) password: string,
    ) {
      return auth.login(ctx, username, password);
    }

    @Mutation(() => RefreshTokenResult, {
      description:
        'Spends a refresh token (from login, loginPatron or an earlier refresh) for a new access token and the next refresh token. ' +
        'A refresh token works once: presenting a spent one again ends the whole session.',
    })
    refreshToken(@Ctx() ctx: Context, @Arg('refreshToken', () => String, { description: 'The latest refresh token.' }) refreshToken: string) {
      return auth.refresh(ctx, refreshToken);
    }

    @Mutation(() => Boolean, {
      description: 'Ends the session of the access token in use, or of `refreshToken` when given: its refresh token stops working and its access tokens within seconds. True when a session ended.',
    })
    logout(
      @Ctx() ctx: Context,
      @Arg('refreshToken', () => String, { nullable: true, description: 'The refresh token of the session to end (when the access token has expired).' })
      refreshToken: string | null,
    ) {
      return auth.logout(ctx, refreshToken);
    }

    @Query(() => MeType, { nullable: true, description: 'Who is asking; null when not signed in.' })
    async me(@Ctx() ctx: Context) {
      if (ctx.viewer.isPatron) return { kind: ViewerKind.PATRON, account: null };
      if (ctx.viewer.isApiClient) return { kind: ViewerKind.API_CLIENT, account: null };
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

  @Resolver(() => ApiClientType)
  class ApiClientResolver {
    @Mutation(() => CreateApiClientResult, {
      description: 'Creates an API client for a partner system of a library (its library admins; network admins for any library). The key is in the answer, once.',
    })
    createApiClient(@Ctx() ctx: Context, @Arg('input', () => CreateApiClientInput, { description: 'Library, name and permissions.' }) input: CreateApiClientInput) {
      return apiClientsService.create(ctx, input);
    }

    @Mutation(() => RevokeApiClientResult, { description: 'Revokes an API client: its key stops working (library admins of its library, network admins).' })
    revokeApiClient(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'Id of the client.' }) id: string) {
      return apiClientsService.revoke(ctx, id);
    }

    @Query(() => ApiClientConnection, { description: "API clients of a library, newest first (its library admins; network admins any, or all without libraryCode)." })
    apiClients(
      @Ctx() ctx: Context,
      @Arg('libraryCode', () => String, { nullable: true, description: "The library (default: the admin's own)." }) libraryCode: string | null,
      @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
      @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
    ) {
      return apiClientsService.list(ctx, libraryCode, first, after);
    }

    @FieldResolver(() => ID, { description: 'Opaque id (for `revokeApiClient`).' })
    id(@Root() c: ApiClientRow) {
      return apiClientGlobalId(c.id);
    }

    @FieldResolver(() => LibraryType, { description: 'The library the key works for.' })
    library(@Root() c: ApiClientRow, @Ctx() ctx: Context) {
      return ctx.loaders.libraryById.load(c.libraryId);
    }
  }
  return [AuthResolver, ApiClientResolver];
}

