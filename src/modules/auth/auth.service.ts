import type { Context } from '../../server/context';
import { badInput } from '../../common/errors';
import { Library } from '../libraries/library.entity';
import { Account, StaffRole } from './account.entity';
import { InvalidCredentialsError } from './auth.types';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password';
import { TokenService } from './tokens';

export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export interface LoginSuccess {
  token: string;
  expiresAt: Date;
  account: Account;
}

export class AuthService {
  constructor(readonly tokens: TokenService) {}

  /** Checks the password and issues an access token; wrong input of any kind gets one answer. */
  async login(ctx: Context, username: string, password: string): Promise<LoginSuccess | InvalidCredentialsError> {
    if (typeof password !== 'string' || password.length > 1000) throw badInput('password is too long', 'password');
    const name = (username ?? '').trim().toLowerCase();
    const account = USERNAME.test(name) ? await ctx.em.findOne(Account, { username: name }) : null;
    const ok = await verifyPassword(password, account?.passwordHash ?? (await dummyPasswordHash()));
    if (!account || !ok || !account.active) {
      ctx.logger.info({ username: name.slice(0, 64) }, 'login refused');
      return new InvalidCredentialsError();
    }
    const issued = await this.tokens.issueStaff(account.id, account.username, account.role, account.library?.id ?? null);
    ctx.logger.info({ accountId: account.id }, 'login');
    return { ...issued, account };
  }

  /** The viewer's own account (null for anonymous). */
  async me(ctx: Context): Promise<Account | null> {
    if (!(ctx.viewer.isStaff || ctx.viewer.isContributor) || ctx.viewer.accountId === null) return null;
    return ctx.em.findOne(Account, { id: ctx.viewer.accountId });
  }
}

export interface NewStaffAccount {
  username: string;
  password: string;
  role: StaffRole;
  libraryId: number | null;
  displayName?: string | null;
}

/** Creates or resets a staff account (used by create-admin and the demo seed). */
export async function upsertStaffAccount(em: Context['em'], input: NewStaffAccount): Promise<Account> {
  const username = input.username.trim().toLowerCase();
  if (!USERNAME.test(username)) throw new Error('username must be 2-64 characters: a-z, 0-9, . _ -');
  if (input.password.length < 8) throw new Error('password must be at least 8 characters');
  if ((input.role === StaffRole.NETWORK_ADMIN) !== (input.libraryId === null)) {
    throw new Error('a network admin has no library; every other role needs one');
  }
  const passwordHash = await hashPassword(input.password);
  let account = await em.findOne(Account, { username });
  if (!account) {
    account = em.create(Account, { username, passwordHash, role: input.role, active: true } as Account);
  }
  account.passwordHash = passwordHash;
  account.role = input.role;
  account.active = true;
  account.displayName = input.displayName ?? account.displayName;
  account.library = input.libraryId === null ? null : em.getReference(Library, input.libraryId);
  await em.persistAndFlush(account);
  return account;
}
