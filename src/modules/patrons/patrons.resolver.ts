import { Arg, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { NotPermittedError, resultUnion } from '../../common/error-results';
import { toGlobalId } from '../../common/ids';
import type { Context } from '../../server/context';
import type { AuthService } from '../auth/auth.service';
import { InvalidCredentialsError, TooManyAttemptsError } from '../auth/auth.types';
import { UnknownLibraryError } from '../catalog/catalog.types';
import { LibraryType } from '../libraries/library.types';
import { Patron } from './patron.entity';
import { CreatePatronInput, DuplicateCardNumberError, PatronConnection, PatronNotFoundError, PatronType, UpdatePatronInput } from './patron.types';
import { patronsService } from './patrons.service';

@ObjectType('PatronAuthPayload', { description: 'A signed access token for a patron, and the refresh token that gets the next one.' })
export class PatronAuthPayload {
  @Field({ description: 'Send as `Authorization: Bearer <token>`. Short-lived (15 minutes by default).' })
  token!: string;

  @Field({ description: 'When the token stops working.' })
  expiresAt!: Date;

  @Field({ description: 'Pass to `refreshToken` before `expiresAt` for a new pair. Each refresh token works once: using a spent one again ends the session.' })
  refreshToken!: string;

  @Field({ description: 'When the session ends at the latest (sign in again then).' })
  refreshTokenExpiresAt!: Date;

  @Field(() => PatronType, { description: 'The patron signed in.' })
  patron!: unknown;
}

export const PatronLoginResult = resultUnion(
  'PatronLoginResult',
  'A token, or why signing in failed.',
  { entity: (v: unknown) => typeof v === 'object' && v !== null && 'token' in v, type: PatronAuthPayload },
  [InvalidCredentialsError, TooManyAttemptsError],
);
export const CreatePatronResult = resultUnion('CreatePatronResult', 'The new patron, or why it was refused.', { entity: Patron, type: PatronType }, [
  DuplicateCardNumberError,
  UnknownLibraryError,
  NotPermittedError,
]);
export const UpdatePatronResult = resultUnion('UpdatePatronResult', 'The changed patron, or why it was refused.', { entity: Patron, type: PatronType }, [
  PatronNotFoundError,
  NotPermittedError,
]);

export function patronResolvers(auth: AuthService) {
  @Resolver(() => PatronType)
  class PatronResolver {
    @Mutation(() => PatronLoginResult, { description: 'Signs a patron in with card number and PIN.' })
    loginPatron(
      @Ctx() ctx: Context,
      @Arg('cardNumber', () => String, { description: 'Card number.' }) cardNumber: string,
      @Arg('pin', () => String, { description: 'PIN.' }) pin: string,
    ) {
      return auth.loginPatron(ctx, cardNumber, pin);
    }

    @Query(() => PatronType, { nullable: true, description: 'A patron by card number (staff who may see them; the patron themself).' })
    patron(@Ctx() ctx: Context, @Arg('cardNumber', () => String, { description: 'Card number.' }) cardNumber: string) {
      return patronsService.byCard(ctx, cardNumber);
    }

    @Query(() => PatronConnection, { description: 'Patrons visible to the staff member, matching name or card words.' })
    patrons(
      @Ctx() ctx: Context,
      @Arg('query', () => String, { nullable: true, description: 'Words of the name or card number; diacritics optional.' }) query: string | null,
      @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
      @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
    ) {
      return patronsService.search(ctx, query, first, after);
    }

    @Mutation(() => CreatePatronResult, { description: 'Registers a patron (staff of the home library).' })
    createPatron(@Ctx() ctx: Context, @Arg('input', () => CreatePatronInput, { description: 'The new patron.' }) input: CreatePatronInput) {
      return patronsService.create(ctx, input);
    }

    @Mutation(() => UpdatePatronResult, { description: 'Changes, blocks or unblocks a patron (staff of the home library).' })
    updatePatron(@Ctx() ctx: Context, @Arg('input', () => UpdatePatronInput, { description: 'The patron and the changes.' }) input: UpdatePatronInput) {
      return patronsService.update(ctx, input);
    }

    @FieldResolver(() => ID, { description: 'Opaque global id.' })
    id(@Root() p: Patron) {
      return toGlobalId('Patron', p.id);
    }

    @FieldResolver(() => LibraryType, { description: 'Home library.' })
    homeLibrary(@Root() p: Patron, @Ctx() ctx: Context) {
      return ctx.loaders.libraryById.load(p.homeLibrary.id);
    }
  }
  return [PatronResolver];
}
